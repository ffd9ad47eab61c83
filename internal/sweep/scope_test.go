package sweep_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

// askLog records which pull requests a provider was asked about.
type askLog struct {
	scm.Provider
	mu    sync.Mutex
	asked []string
}

func (a *askLog) State(ctx context.Context, ref scm.Ref) (scm.Status, error) {
	a.mu.Lock()
	a.asked = append(a.asked, ref.Number)
	a.mu.Unlock()
	return a.Provider.State(ctx, ref)
}

// A sweep for one pull request deletes its tags alone, asks the source about it
// alone, and still guards the digests it shares with tags it does not decide.
func TestForPR(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			srv := start(t)
			digests := registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			s := newSweeper(t, srv.Host(), classicStates(), "")
			asked := &askLog{Provider: s.Providers["prs"]}
			s.Providers["prs"] = asked
			ref := scm.Ref{Source: "prs", Number: "3574"}

			res, err := s.ForPR(ref).Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			del, kept := outcome(t, res.Items)
			want := []string{"jarvis:PR3574-test", "jarvis:PR3574-test-arm"}
			if diff := cmp.Diff(want, del); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			if len(kept) != 16 {
				t.Errorf("kept %d tags, want the other 16", len(kept))
			}
			if !slices.Equal(asked.asked, []string{"3574"}) {
				t.Errorf("the source was asked about %v, want only 3574", asked.asked)
			}
			for _, it := range res.Items {
				if it.PR == "3571" && (it.Action != policy.Keep || it.State != "" || !strings.Contains(it.Reason, "only for prs#3574")) {
					t.Errorf("%s: %+v, want kept without a look-up", it.Ref(), it)
				}
			}
			// 5.32.0-develop shares PR3574-test's digest: it still pulls the same image.
			c, _ := oci.New(srv.Host(), oci.Options{Scheme: "http"})
			if m, err := c.Resolve(ctx, "jarvis", "5.32.0-develop"); err != nil || m.Digest != digests["jarvis:5.32.0-develop"] {
				t.Errorf("jarvis:5.32.0-develop after the sweep: %+v %v", m, err)
			}
			if left := remaining(t, srv.Host()); slices.Contains(left, "jarvis:PR3574-test") || !slices.Contains(left, "jarvis:PR3571-test") {
				t.Errorf("registry after the sweep: %v", left)
			}

			var refs []string
			for _, it := range sweep.InScope(res.Items, ref) {
				refs = append(refs, it.Ref())
			}
			if diff := cmp.Diff(want, refs); diff != "" {
				t.Errorf("InScope (-want +got):\n%s", diff)
			}

			// The sweeper it came from is whole still.
			res, err = s.Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if del, _ := outcome(t, res.Items); !slices.Equal(del, []string{"jarvis:PR3571-test", "jarvis:PR3571-test-arm"}) {
				t.Errorf("the full sweep after it deleted %v", del)
			}
		})
	}
}

// Limits count every tag seen, as in a full sweep: a scoped sweep is not 100%
// of a repository because it decides two tags.
func TestForPRLimits(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	s := newSweeper(t, srv.Host(), classicStates(), "safety:\n  perRepository:\n    maxDeletionsPercent: 20\n")
	_, err := s.Run(context.Background(), true)
	var limit *plan.LimitError
	if !errors.As(err, &limit) {
		t.Fatalf("full sweep: %v, want a limit error (4 of jarvis' 12 tags)", err)
	}
	res, err := s.ForPR(scm.Ref{Source: "prs", Number: "3571"}).Run(context.Background(), true)
	if err != nil {
		t.Fatalf("scoped sweep: %v (2 of 12 tags is under 20%%)", err)
	}
	if n := plan.Deletions(res.Items); n != 2 {
		t.Errorf("scoped dry run deletes %d, want 2", n)
	}
}
