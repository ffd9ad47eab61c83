package sweep_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// A sweep under a safety limit waits for its whole plan (spooled on disk) before
// deleting. Over the limit it deletes nothing and reports every deletion kept,
// naming the limit; under it, it ends as a sweep without limits does — on 2.8 too,
// where a PR tag sharing a kept tag's digest goes by retag and the kept tag stays.
func TestLimitedRunEndsAsRunDoes(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			srv := start(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			before := remaining(t, srv.Host())
			planned := len(registrytest.ClassicDeleted())

			over := newSweeper(t, srv.Host(), classicStates(), "safety:\n  maxDeletions: 1\n")
			res, err := over.Run(ctx, false)
			if !errors.Is(err, plan.ErrLimit) {
				t.Fatalf("over the limit: %v, want ErrLimit", err)
			}
			if diff := cmp.Diff(before, remaining(t, srv.Host())); diff != "" {
				t.Fatalf("over the limit, the registry changed (-before +after):\n%s", diff)
			}
			kept := 0
			for _, it := range res.Items {
				if it.Action == policy.Delete || it.Done {
					t.Errorf("over the limit: %s planned %s (done %v)", it.Ref(), it.Action, it.Done)
				}
				if strings.Contains(it.Reason, "kept: safety.maxDeletions") {
					kept++
				}
			}
			if kept < planned {
				t.Errorf("over the limit: %d items name the limit, want at least the %d deletions", kept, planned)
			}

			under := newSweeper(t, srv.Host(), classicStates(), "safety:\n  maxDeletions: 100\n")
			res, err = under.Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			del, _ := outcome(t, res.Items)
			if diff := cmp.Diff(registrytest.ClassicDeleted(), del); diff != "" {
				t.Errorf("under the limit, deleted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(registrytest.ClassicPreserved(), remaining(t, srv.Host())); diff != "" {
				t.Errorf("under the limit, the registry (-want +got):\n%s", diff)
			}
		})
	}
}
