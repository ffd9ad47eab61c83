package sweep

import (
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// Progress is told how a sweep advances, as it happens: a terminal's live line or a
// log line per repository (internal/progress). Its methods are called from many
// goroutines at once and must not block. Counts are of tags, as the report's.
type Progress interface {
	Selected(repos int)                          // the repositories to sweep are known
	Listed(repo string, tags int)                // a repository's tags were listed (or the listing failed)
	Decided(repo string, tags int, prs []string) // its tags decided, from these pull requests' states
	Planned(repo string, deletions int)          // its plan made, with this many tag deletions
	Applied(repo string, planned, deleted int)   // its planned tag deletions carried out: this many done
}

// noProgress is told nothing.
type noProgress struct{}

func (noProgress) Selected(int)                  {}
func (noProgress) Listed(string, int)            {}
func (noProgress) Decided(string, int, []string) {}
func (noProgress) Planned(string, int)           {}
func (noProgress) Applied(string, int, int)      {}

func (s *Sweeper) progress() Progress {
	if s.Progress == nil {
		return noProgress{}
	}
	return s.Progress
}

// decided tells Progress of a repository's decisions and the pull requests read.
func (s *Sweeper) decided(repo string, items []plan.Item) {
	if s.Progress == nil {
		return
	}
	var prs []string
	seen := map[string]bool{}
	for _, it := range items {
		if ref, ok := it.PRRef(); ok && it.State != "" && !seen[ref.String()] {
			seen[ref.String()] = true
			prs = append(prs, ref.String())
		}
	}
	s.Progress.Decided(repo, len(items), prs)
}

// applied tells Progress of a repository's deletions carried out; planned is how
// many the plan had.
func (s *Sweeper) applied(repo string, planned int, items []plan.Item) {
	if s.Progress == nil {
		return
	}
	done := 0
	for _, it := range items {
		if it.Kind == plan.KindTag && it.Action == policy.Delete && it.Done && !it.Failed() {
			done++
		}
	}
	s.Progress.Applied(repo, planned, done)
}
