package sweep_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A signature whose image went while its own deletion failed is left behind. The
// next sweep removes it only when its audit log says prsweep deleted that image;
// without the log it stays (it might sign an image that lives elsewhere).
func TestOrphanedSignatureGoesNextSweep(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			d := registrytest.MustSeed(t, srv, []registrytest.Image{
				{Repo: "app", Tag: "PR7200-a", Seed: 81}, {Repo: "app", Tag: "release", Seed: 82}})
			sigTag := strings.Replace(d["app:PR7200-a"], ":", "-", 1) + ".sig"
			sig := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "app", Tag: sigTag, Seed: 83, OCI: true}})["app:"+sigTag]

			// The signature's deletion fails (every DELETE naming it answers 500) while
			// the proxy is on; through the same proxy, so the journal names one registry.
			var failing atomic.Bool
			failing.Store(true)
			target, _ := url.Parse(srv.URL())
			rp := httputil.NewSingleHostReverseProxy(target)
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if failing.Load() && r.Method == http.MethodDelete && (strings.HasSuffix(r.URL.Path, "/"+sigTag) || strings.HasSuffix(r.URL.Path, "/"+sig)) {
					http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}`, http.StatusInternalServerError)
					return
				}
				rp.ServeHTTP(w, r)
			}))
			t.Cleanup(proxy.Close)
			host := strings.TrimPrefix(proxy.URL, "http://")
			noSleep := sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })}}
			states := map[string]string{"7200": "merged"}
			journal := filepath.Join(t.TempDir(), "audit.jsonl")
			run := func(withJournal bool, only ...scm.Ref) map[string]string {
				t.Helper()
				s := newSweeper(t, host, states, "", noSleep)
				if len(only) > 0 {
					s = s.ForPR(only[0])
				}
				if withJournal {
					l, err := audit.Open(journal)
					if err != nil {
						t.Fatal(err)
					}
					defer l.Close()
					s.Audit = l
				}
				res, err := s.Run(context.Background(), false)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, it := range res.Items {
					switch {
					case it.Done:
						out[it.Ref()] = "deleted"
					case it.Failed():
						out[it.Ref()] = "failed"
					case it.Action == policy.Keep:
						out[it.Ref()] = "kept"
					}
				}
				return out
			}
			if diff := cmp.Diff(map[string]string{"app:PR7200-a": "deleted", "app:release": "kept", "app:" + sigTag: "failed"}, run(true)); diff != "" {
				t.Fatalf("faulty sweep (-want +got):\n%s", diff)
			}
			failing.Store(false)
			// A webhook's sweep for another pull request leaves it: only that PR's tags go.
			if got := run(true, scm.Ref{Source: "prs", Number: "4242"})["app:"+sigTag]; got == "deleted" {
				t.Errorf("a sweep for PR 4242 deleted the orphaned signature of PR 7200's image")
			}
			if diff := cmp.Diff(map[string]string{"app:release": "kept", "app:" + sigTag: "kept"}, run(false)); diff != "" {
				t.Errorf("without the audit log (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"app:release": "kept", "app:" + sigTag: "deleted"}, run(true)); diff != "" {
				t.Errorf("with it (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"app:release"}, remaining(t, srv.Host())); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
		})
	}
}
