package sweep

import (
	"context"

	"golang.org/x/sync/errgroup"

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

// applyReporting is Apply telling Progress as each repository is done: each
// repository's run of items (a plan is sorted by repository) goes to the applier on
// its own, several at once, as Applier.Apply would run them. Items not grouped by
// repository go to the applier whole.
func (s *Sweeper) applyReporting(ctx context.Context, items []plan.Item) {
	type run struct{ from, to int }
	var runs []run
	seen := map[string]bool{}
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].Repository == items[i].Repository {
			j++
		}
		if seen[items[i].Repository] {
			planned := plan.Deletions(items)
			s.applier(false).Apply(ctx, items)
			s.applied("", planned, items)
			return
		}
		seen[items[i].Repository] = true
		runs = append(runs, run{i, j})
		i = j
	}
	g := errgroup.Group{}
	g.SetLimit(max(s.Concurrency, 1))
	for _, r := range runs {
		g.Go(func() error {
			part := items[r.from:r.to]
			planned := plan.Deletions(part)
			s.applier(false).Apply(ctx, part)
			s.applied(part[0].Repository, planned, part)
			return nil
		})
	}
	_ = g.Wait()
}
