package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// aged reports whether the deletion it waits on its image's age: a tag whose rule
// has a minAge now. Only those cost a read (minAge is opt-in).
func (s *Sweeper) aged(it plan.Item) bool {
	return it.Action == policy.Delete && it.Kind == plan.KindTag && it.Rule > 0 &&
		it.Rule <= len(s.Policy.Rules) && s.Policy.Rules[it.Rule-1].MinAge > 0
}

// keepYoung keeps the deletion it when its image m is younger than its rule's
// minAge, or of unknown age (known is false: the tag has no manifest; or the
// registry cannot tell), or when the age cannot be read, with the error. Sweeps
// (checkAges) and saved plans (recheckAges) both decide ages here.
func (s *Sweeper) keepYoung(ctx context.Context, it *plan.Item, m registry.Manifest, known bool, now time.Time) {
	var created time.Time
	if ager, ok := s.Registry.(registry.Ager); ok && known {
		var err error
		if created, err = ager.Created(ctx, it.Repository, m); err != nil {
			it.Action, it.Method, it.Error = policy.Keep, "", "reading the image's creation time: "+err.Error()
			return
		}
	}
	if ok, why := s.Policy.OldEnough(it.Rule-1, created, now); !ok {
		it.Action, it.Method, it.Reason = policy.Keep, "", it.Reason+"; kept: "+why
	}
}

// recheckAges checks the deletions of a saved plan against the minAge of now: the
// plan may predate the minAge, or a raise of it. Each tag is read again (an Ager
// needs the manifest, an index's children, which the plan does not hold), several
// at once.
func (s *Sweeper) recheckAges(ctx context.Context, items []plan.Item) {
	now := s.now()
	g := errgroup.Group{}
	g.SetLimit(max(s.Concurrency, 1))
	for i := range items {
		if it := &items[i]; s.aged(*it) {
			g.Go(func() error {
				s.recheckAge(ctx, it, now)
				return nil
			})
		}
	}
	_ = g.Wait()
}

// recheckAge decides one tag's age as a sweep would, on the image the tag points
// at now, which must still be the plan's.
func (s *Sweeper) recheckAge(ctx context.Context, it *plan.Item, now time.Time) {
	if it.Digest == "" { // planned as dangling: no image, so no age (as in a sweep)
		s.keepYoung(ctx, it, registry.Manifest{}, false, now)
		return
	}
	m, err := s.Registry.Resolve(ctx, it.Repository, it.Tag)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		it.Action, it.Method = policy.Keep, ""
		it.Reason += "; kept: the tag is gone since the decision, so its image's age cannot be checked"
	case err != nil:
		it.Action, it.Method, it.Error = policy.Keep, "", "reading the image's creation time: "+err.Error()
	case m.Digest != it.Digest:
		it.Action, it.Method = policy.Keep, ""
		it.Reason = fmt.Sprintf("%s; kept: the tag now points at %s, not %s (pushed again since the decision)", it.Reason, m.Digest, it.Digest)
	default:
		s.keepYoung(ctx, it, m, true, now)
	}
}
