package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/server"
	"github.com/prsweep/prsweep/internal/sweep"
)

const ghToken = "ghp_fake0000000000000000000000000000000000" // fake

// With a real github source (against the GitHub fake), a closed delivery for
// octo-org/Jarvis sweeps the pull request of the rule that reads Octo-Org/Jarvis,
// or Octo-Org/{name} (GitHub ignores case), reading its state once from GitHub
// and nothing else; a delivery for a repository no rule reads queues nothing.
func TestGitHubSourceWebhook(t *testing.T) {
	for _, tt := range []struct{ repo, queued string }{
		{"Octo-Org/Jarvis", "gh:Octo-Org/Jarvis#3571"},
		{"Octo-Org/{name}", "gh:octo-org/Jarvis#3571"}, // resolves to Octo-Org/jarvis
	} {
		t.Run(tt.repo, func(t *testing.T) { testGitHubSourceWebhook(t, tt.repo, tt.queued) })
	}
}

func testGitHubSourceWebhook(t *testing.T, repo, queued string) {
	f := &fixture{t: t, reg: registrytest.StartV3(t), out: &httpxtest.Buffer{}, events: make(chan server.Event, 64)}
	registrytest.MustSeed(t, f.reg, registrytest.ClassicSet())
	gh := scmtest.NewGitHub(t, ghToken)
	closedAt := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	gh.SetPR("Octo-Org/Jarvis", 3571, "merged", closedAt)
	gh.SetPR("Octo-Org/Jarvis", 3574, "closed", closedAt)
	for _, n := range []int{3561, 3565, 3589} {
		gh.SetPR("Octo-Org/Jarvis", n, "open", time.Time{})
	}
	yaml := fmt.Sprintf(`registry:
  url: http://%s
sources:
  - name: gh
    type: github
    url: %s
    token: ${GH_TOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: gh
    repo: %s
serve:
  webhooks:
    github:
      secret: ${GH_SECRET}
`, f.reg.Host(), gh.URL(), repo)
	env := map[string]string{"GH_SECRET": ghSecret, "GH_TOKEN": ghToken}
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	sw, err := sweep.New(cfg, sweep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.srv, err = server.New(cfg, sw, server.Options{Stdout: f.out, Format: "text", Observe: f.observe}); err != nil {
		t.Fatal(err)
	}
	f.hooks = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.hooks.Close)

	if !strings.Contains(repo, "{") {
		other := payload(t, "github-pull_request-closed.json", map[string]any{"repository.full_name": "octo-org/other"})
		if status, h, _ := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery+"0", signature(ghSecret, other), other); status != http.StatusNoContent || h.Get("X-Prsweep-Ignored") != "no rule for this repository" {
			t.Errorf("another repository: %d %q, want 204", status, h.Get("X-Prsweep-Ignored"))
		}
	}
	body := payload(t, "github-pull_request-closed.json", map[string]any{"repository.full_name": "octo-org/Jarvis"})
	if status, _, msg := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, signature(ghSecret, body), body); status != http.StatusAccepted || msg != "sweep queued for "+queued+"\n" {
		t.Fatalf("%d %q, want 202", status, msg)
	}
	_, stop := f.start()
	if ev := f.next(server.Started); ev.PR != queued {
		t.Errorf("started %+v", ev)
	}
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 2 || ev.Summary.Failed != 0 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	if diff := cmp.Diff(classicWithout("jarvis:PR3571-test", "jarvis:PR3571-test-arm"), f.remaining()); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
	for n, want := range map[int]int{3571: 1, 3574: 0, 3561: 0} {
		if got := gh.PullReads("Octo-Org/Jarvis", n); got != want {
			t.Errorf("PR %d read %d times, want %d", n, got, want)
		}
	}
}
