package sweep_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// recorder is a sweep.Progress that keeps what it is told.
type recorder struct {
	mu                     sync.Mutex
	selected               int
	listed                 []string
	decided, planned, done int
	prs                    map[string]bool
	applied                []string // repositories, in the order their deletions were done
}

func (r *recorder) Selected(n int) { r.mu.Lock(); r.selected = n; r.mu.Unlock() }
func (r *recorder) Listed(repo string, _ int) {
	r.mu.Lock()
	r.listed = append(r.listed, repo)
	r.mu.Unlock()
}
func (r *recorder) Decided(_ string, tags int, prs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decided += tags
	if r.prs == nil {
		r.prs = map[string]bool{}
	}
	for _, pr := range prs {
		r.prs[pr] = true
	}
}
func (r *recorder) Planned(_ string, n int) { r.mu.Lock(); r.planned += n; r.mu.Unlock() }
func (r *recorder) Applied(repo string, planned, done int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += done
	if planned > 0 {
		r.applied = append(r.applied, repo)
	}
}

// TestProgressIsToldOfEachStage runs the classic sweep deleting as each
// repository's plan is made, and through a whole plan first (a safety limit is
// set), and checks that Progress heard what the report says.
func TestProgressIsToldOfEachStage(t *testing.T) {
	for name, extra := range map[string]string{"per repository": "", "whole plan first": "safety:\n  maxDeletions: 100\n"} {
		t.Run(name, func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			s := newSweeper(t, srv.Host(), classicStates(), extra)
			var rec recorder
			s.Progress = &rec
			res, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			repos, tags, deleted := map[string]bool{}, 0, 0
			var withDeletions []string
			for _, it := range res.Items {
				if it.Kind != plan.KindTag {
					continue
				}
				repos[it.Repository] = true
				tags++
				if it.Done {
					deleted++
					if !slices.Contains(withDeletions, it.Repository) {
						withDeletions = append(withDeletions, it.Repository)
					}
				}
			}
			slices.Sort(rec.listed)
			slices.Sort(rec.applied)
			slices.Sort(withDeletions)
			got := []any{rec.selected, len(rec.listed), rec.decided, len(rec.prs), rec.planned, rec.done, rec.applied}
			want := []any{len(repos), len(repos), tags, len(classicStates()), len(registrytest.ClassicDeleted()), deleted, withDeletions}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("progress (-want +got): selected, listed, decided, PRs, planned, done, repositories applied\n%s", diff)
			}
			if deleted != len(registrytest.ClassicDeleted()) {
				t.Errorf("%d tags deleted, want %d", deleted, len(registrytest.ClassicDeleted()))
			}
		})
	}
}
