package sweep_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// fastSweeper is newSweeper whose retries do not sleep.
func fastSweeper(t *testing.T, host string, states map[string]string, extra string) *sweep.Sweeper {
	t.Helper()
	return newSweeper(t, host, states, extra, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(noSleep)}})
}

// Safety rule 9: a kept image keeps its signature — when a kept index lists the
// deleted tag's image as a child, and when a kept tag could not be read (which is
// then reported failed).
func TestKeptImageKeepsItsSignature(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			for _, unreadable := range []bool{false, true} {
				srv := start(t)
				idx, err := srv.SeedIndex(context.Background(), "jarvis", "release-multi", []registrytest.Image{
					{Seed: 8001, OCI: true, Platform: "linux/amd64"}, {Seed: 8002, OCI: true, Platform: "linux/arm64"}}, false)
				if err != nil {
					t.Fatal(err)
				}
				d := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "PR8000-amd64", Seed: 8001, OCI: true, Platform: "linux/amd64"}})
				if d["jarvis:PR8000-amd64"] != idx.Children[0] {
					t.Fatalf("the PR tag is not the index's child: %s, children %v", d["jarvis:PR8000-amd64"], idx.Children)
				}
				sig := pushSignature(t, srv, idx.Children[0], 8003)
				host := srv.Host()
				if unreadable {
					host = faultProxy(t, srv, func(r *http.Request) bool {
						return r.URL.Path == "/v2/jarvis/manifests/release-multi"
					})
				}
				res, err := fastSweeper(t, host, map[string]string{"8000": "merged"}, "untagged: delete\n").Run(context.Background(), false)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range res.Items {
					switch {
					case it.Tag == "PR8000-amd64" && it.Method == registry.MethodDigest:
						t.Errorf("unreadable=%v: %s deleted by digest, which a kept index uses", unreadable, it.Ref())
					case it.Tag == "PR8000-amd64" && !unreadable && !it.Done:
						t.Errorf("unreadable=%v: %s not deleted: %s %s", unreadable, it.Ref(), it.Reason, it.Error)
					case it.Tag == "release-multi" && unreadable && !it.Failed():
						t.Errorf("the unreadable kept tag is not reported: %+v", it)
					case strings.HasSuffix(it.Tag, ".sig") && it.Done:
						t.Errorf("unreadable=%v: the kept image's signature %s was deleted (%s)", unreadable, it.Ref(), it.Reason)
					case it.Kind != "" && it.Done && (it.Digest == idx.Children[0] || it.Digest == sig):
						t.Errorf("unreadable=%v: %s, which the kept index needs, was deleted", unreadable, it.Ref())
					}
				}
				if !exists(t, srv.Host(), sig) || !exists(t, srv.Host(), idx.Children[0]) {
					t.Errorf("unreadable=%v: the kept index's child or its signature is gone", unreadable)
				}
				if err := registrytest.Pull(context.Background(), srv.Host(), "jarvis", "release-multi"); err != nil {
					t.Errorf("unreadable=%v: the kept index no longer pulls: %v", unreadable, err)
				}
			}
		})
	}
}

// apply re-checks a saved plan's manifest items too: a child of a deleted index
// that a tag uses since the plan stays (issue 8, item 6).
func TestApplyRechecksManifestItems(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			idx, err := srv.SeedIndex(context.Background(), "jarvis", "PR8100-multi", []registrytest.Image{
				{Seed: 8101, OCI: true, Platform: "linux/amd64"}, {Seed: 8102, OCI: true, Platform: "linux/arm64"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			s := newSweeper(t, srv.Host(), map[string]string{"8100": "merged"}, "untagged: delete\n")
			p, err := s.Plan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			planned := 0
			for _, it := range p.Items {
				if it.Kind == plan.KindManifest && it.Digest == idx.Children[0] && it.Action == policy.Delete {
					planned++
				}
			}
			if planned != 1 {
				t.Fatalf("the plan does not delete the child %s", idx.Children[0])
			}
			// Since the plan, a tag uses the first child.
			d := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "hotfix", Seed: 8101, OCI: true, Platform: "linux/amd64"}})
			if d["jarvis:hotfix"] != idx.Children[0] {
				t.Fatalf("hotfix is %s, not the child %s", d["jarvis:hotfix"], idx.Children[0])
			}
			s.Apply(context.Background(), p.Items)
			for _, it := range p.Items {
				if it.Digest == idx.Children[0] && it.Kind == plan.KindManifest && (it.Done || !strings.Contains(it.Reason, "jarvis:hotfix")) {
					t.Errorf("the child hotfix uses now: done=%v %q %q", it.Done, it.Reason, it.Error)
				}
			}
			if err := registrytest.Pull(context.Background(), srv.Host(), "jarvis", "hotfix"); err != nil {
				t.Errorf("hotfix no longer pulls: %v", err)
			}
		})
	}
}
