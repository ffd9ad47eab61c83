package sweep_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// With a Sink, a sweep hands over each repository's items as the repository is
// done and keeps none: the same items, dry run or not, as a sweep that returns
// them.
func TestSinkTakesEachRepositoryAsItIsDone(t *testing.T) {
	ctx := context.Background()
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	whole, err := newSweeper(t, srv.Host(), classicStates(), "").Run(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	repos := map[string]bool{}
	for _, it := range whole.Items {
		repos[it.Repository] = true
	}
	if len(repos) < 2 {
		t.Fatalf("the classic set has %d repositories; the test wants several", len(repos))
	}

	for _, dryRun := range []bool{true, false} {
		var mu sync.Mutex
		var calls [][]plan.Item
		s := newSweeper(t, srv.Host(), classicStates(), "")
		s.Sink = func(items []plan.Item) {
			mu.Lock()
			defer mu.Unlock()
			if len(items) > 0 {
				calls = append(calls, items)
			}
		}
		res, err := s.Run(ctx, dryRun)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 0 || res.DryRun != dryRun {
			t.Errorf("dry run %v: Run returned %d items (dry run %v) beside its Sink", dryRun, len(res.Items), res.DryRun)
		}
		if len(calls) != len(repos) {
			t.Errorf("dry run %v: %d calls of the Sink for %d repositories", dryRun, len(calls), len(repos))
		}
		var got []plan.Item
		for _, items := range calls {
			for _, it := range items {
				if it.Repository != items[0].Repository {
					t.Errorf("one call holds %s and %s", items[0].Repository, it.Repository)
				}
			}
			got = append(got, items...)
		}
		plan.Sort(got)
		del, kept := outcome(t, got)
		wantDel, wantKept := outcome(t, whole.Items)
		if diff := cmp.Diff(wantDel, del); diff != "" {
			t.Errorf("dry run %v: deleted (-whole +streamed):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(wantKept, kept); diff != "" {
			t.Errorf("dry run %v: kept (-whole +streamed):\n%s", dryRun, diff)
		}
	}
	if diff := cmp.Diff(registrytest.ClassicPreserved(), remaining(t, srv.Host())); diff != "" {
		t.Errorf("left in the registry (-want +got):\n%s", diff)
	}
}
