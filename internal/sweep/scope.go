package sweep

import (
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

// ForPR returns a copy of s whose sweeps delete only the tags of one pull request:
// the tags whose rule match yields ref, and what goes with them. It is what a
// webhook asks for.
//
// The sweep is otherwise whole, so it is exactly as safe as a full one: it lists
// every selected repository, keeps every other tag (without asking the source
// about it), and those kept tags take part in the shared-digest guard and the
// safety limits as in a full sweep. The pull request's state is read from the
// source in this sweep, like any other; what the webhook said about it counts
// for nothing.
func (s *Sweeper) ForPR(ref scm.Ref) *Sweeper {
	c := *s
	c.only = &ref
	return &c
}

// inScope reports whether a tag's match may be decided in this sweep: always in a
// full sweep; in a ForPR sweep, when it needs no look-up (it is kept anyway) or
// its look-up is of the sweep's pull request.
func (s *Sweeper) inScope(m policy.Match) bool {
	return s.only == nil || !m.NeedsLookup() || sameRef(m.Ref, *s.only)
}

// sameRef compares pull-request refs; repository paths ignore case, as GitHub
// and GitLab do (a webhook's Octo-Org/Jarvis is a rule's octo-org/jarvis).
func sameRef(a, b scm.Ref) bool {
	return a.Source == b.Source && a.Number == b.Number && strings.EqualFold(a.Repo, b.Repo)
}

// outOfScope keeps a tag of another pull request in a ForPR sweep, asking nobody.
func (s *Sweeper) outOfScope(repo, tag string, m policy.Match) plan.Item {
	return plan.Item{Repository: repo, Tag: tag, Action: policy.Keep, Rule: m.Rule + 1,
		PR: m.PR, Source: m.Ref.Source, PRRepo: m.Ref.Repo,
		Reason: "not looked at: this sweep is only for " + s.only.String()}
}

// InScope returns the items of a sweep's result that concern ref: the tags of
// that pull request, what was removed with them, and the repositories whose
// listing failed (nothing in them was deleted, whichever pull request asked).
func InScope(items []plan.Item, ref scm.Ref) []plan.Item {
	in := map[string]bool{}
	for _, it := range items {
		if r, ok := it.PRRef(); ok && sameRef(r, ref) && it.Kind == plan.KindTag {
			in[it.Ref()] = true
		}
	}
	// Follow what went with them (signatures, manifests, their children).
	for grew := true; grew; {
		grew = false
		for _, it := range items {
			if it.LinkedTo != "" && in[it.LinkedTo] && !in[it.Ref()] {
				in[it.Ref()], grew = true, true
			}
		}
	}
	var out []plan.Item
	for _, it := range items {
		if in[it.Ref()] || (it.Tag == "*" && it.Failed()) {
			out = append(out, it)
		}
	}
	return out
}
