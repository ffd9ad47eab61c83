package sweep

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
)

// Explain plans the tag's repository, deleting nothing, and says why the tag would
// go or stay. image is repository:tag.
func (s *Sweeper) Explain(ctx context.Context, image string) (report.Explanation, error) {
	repo, tag, ok := strings.Cut(image, ":")
	if !ok || repo == "" || tag == "" {
		return report.Explanation{}, fmt.Errorf("%q is not repository:tag", image)
	}
	e := report.Explanation{Image: image, Policy: s.Policy.Explain(repo, tag)}
	scoped := *s
	scoped.Repositories = []string{repo}
	scoped.readAll = true
	p, err := scoped.Plan(ctx)
	var limit *plan.LimitError
	switch {
	case errors.As(err, &limit):
		e.Limit = limit.Error()
	case err != nil:
		return e, err
	}
	for i, it := range p.Items {
		switch {
		case it.Repository == repo && it.Tag == "*" && it.Failed():
			return e, fmt.Errorf("listing %s: %s", repo, it.Error)
		case it.Repository == repo && it.Tag == tag && it.Kind == plan.KindTag:
			e.Item = &p.Items[i]
		case it.LinkedTo == image:
			e.Linked = append(e.Linked, it)
		}
	}
	return e, nil
}
