package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Explanation is everything prsweep knows about why one tag goes or stays.
type Explanation struct {
	Image  string      // repository:tag, as asked
	Policy []string    // how the keep patterns and rules treat the tag, in order
	Item   *plan.Item  // the planned decision with its evidence; nil when the tag is not there
	Linked []plan.Item // what would go with it
	Limit  string      // the safety limit the plan hit, if any
}

var methodText = map[registry.Method]string{
	registry.MethodUntag:  "removed by deleting the tag alone (the registry supports it)",
	registry.MethodDigest: "removed by deleting its manifest by digest: no other tag uses it",
	registry.MethodRetag:  "removed by pointing the tag at a throwaway manifest and deleting that: the manifest stays for the tags that share it",
}

// WriteExplanation writes the steps of one tag's decision.
func WriteExplanation(w io.Writer, e Explanation) error {
	var steps []string
	steps = append(steps, e.Policy...)
	it := e.Item
	switch {
	case it == nil:
		steps = append(steps, "the registry has no such tag")
	default:
		if it.PR != "" {
			steps = append(steps, source(*it))
		}
		if it.Digest != "" {
			reg := "the tag points at " + it.Digest
			if len(it.SharedWith) > 0 {
				reg += ", shared with " + strings.Join(it.SharedWith, ", ")
			}
			steps = append(steps, reg)
		}
		if m, ok := methodText[it.Method]; ok && it.Action == policy.Delete {
			steps = append(steps, m)
		}
		for _, l := range e.Linked {
			steps = append(steps, fmt.Sprintf("with it goes %s: %s", l.Ref(), l.Reason))
		}
		if e.Limit != "" {
			steps = append(steps, "safety limit: "+e.Limit)
		}
	}
	var b strings.Builder
	b.WriteString(e.Image + "\n")
	for i, s := range steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
	}
	b.WriteString("  decision: " + decision(it) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func source(it plan.Item) string {
	s := fmt.Sprintf("source %s was asked about PR %s", it.Source, it.PR)
	if !it.ReadAt.IsZero() {
		s += " at " + it.ReadAt.UTC().Format(time.RFC3339)
	}
	if it.State == "unknown" || it.State == "" {
		return s + ": its state could not be read (" + it.Error + ")"
	}
	return s + ": " + string(it.State)
}

func decision(it *plan.Item) string {
	switch {
	case it == nil:
		return "nothing to do"
	case it.Failed():
		return "keep, and report as failed: " + it.Error
	case it.Action == policy.Delete:
		return "delete (" + it.Reason + ")"
	}
	return "keep (" + it.Reason + ")"
}
