package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

const (
	glSourceToken = "glpat-serveTest0123456789abc" // fake
	glMRProject   = "octo-group/platform/jarvis"   // the fixture payload's path_with_namespace
)

// With a real gitlab source (against the GitLab fake), a Merge Request Hook for
// merge request 3571 of octo-group/platform/jarvis sweeps its tags alone, reading
// that merge request once from GitLab; a hook that says 3561 was merged, while
// GitLab says it is open, deletes nothing; a hook for another project queues
// nothing. The rule names the project, or leaves it to the source's project.
func TestGitLabSourceWebhook(t *testing.T) {
	for _, tt := range []struct{ name, ruleRepo, queued string }{
		{"rule repo", "\n    repo: " + glMRProject, "gl:" + glMRProject + "#"},
		{"source project", "", "gl#"}, // as the rule match spells it: no repo
	} {
		t.Run(tt.name, func(t *testing.T) { testGitLabSourceWebhook(t, tt.ruleRepo, tt.queued) })
	}
}

func testGitLabSourceWebhook(t *testing.T, ruleRepo, queued string) {
	f := &fixture{t: t, reg: registrytest.StartV3(t), out: &httpxtest.Buffer{}, events: make(chan server.Event, 64)}
	registrytest.MustSeed(t, f.reg, registrytest.ClassicSet())
	gl := scmtest.NewGitLab(t, glSourceToken)
	closedAt := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	gl.SetMR(glMRProject, 3571, "merged", closedAt)
	gl.SetMR(glMRProject, 3574, "closed", closedAt)
	for _, n := range []int{3561, 3565, 3589} {
		gl.SetMR(glMRProject, n, "opened", time.Time{})
	}
	yaml := fmt.Sprintf(`registry:
  url: http://%s
sources:
  - name: gl
    type: gitlab
    url: %s
    project: %s
    token: ${GL_SOURCE_TOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: gl%s
serve:
  webhooks:
    gitlab:
      token: ${GL_TOKEN}
`, f.reg.Host(), gl.URL(), glMRProject, ruleRepo)
	env := map[string]string{"GL_TOKEN": glToken, "GL_SOURCE_TOKEN": glSourceToken}
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

	other := payload(t, "gitlab-merge_request-merge.json", map[string]any{"project.path_with_namespace": "octo-group/other"})
	if status, h, _ := postGitLab(t, f.hooks.URL, glEvent, glToken, glKey+"0", other); status != http.StatusNoContent || h.Get("X-Prsweep-Ignored") != "no rule for this project" {
		t.Errorf("another project: %d %q, want 204", status, h.Get("X-Prsweep-Ignored"))
	}
	// A false claim first: 3561 is open on GitLab.
	lie := payload(t, "gitlab-merge_request-merge.json", map[string]any{"object_attributes.iid": 3561})
	if status, _, msg := postGitLab(t, f.hooks.URL, glEvent, glToken, glKey+"1", lie); status != http.StatusAccepted || msg != "sweep queued for "+queued+"3561\n" {
		t.Fatalf("merge hook for 3561: %d %q, want 202", status, msg)
	}
	body := payload(t, "gitlab-merge_request-merge.json", nil)
	if status, _, msg := postGitLab(t, f.hooks.URL, glEvent, glToken, glKey+"2", body); status != http.StatusAccepted || msg != "sweep queued for "+queued+"3571\n" {
		t.Fatalf("merge hook for 3571: %d %q, want 202", status, msg)
	}
	_, stop := f.start()
	deleted := map[string]int{}
	for range 2 {
		started := f.next(server.Started)
		ev := f.next(server.Finished)
		if ev.Outcome != server.OutcomeOK || ev.Summary == nil || ev.Summary.Failed != 0 {
			t.Errorf("finished %+v %+v", ev, ev.Summary)
			continue
		}
		deleted[started.PR] = ev.Summary.Deleted
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	if d := cmp.Diff(map[string]int{queued + "3561": 0, queued + "3571": 2}, deleted); d != "" {
		t.Errorf("deleted per sweep (-want +got):\n%s", d)
	}
	if diff := cmp.Diff(classicWithout("jarvis:PR3571-test", "jarvis:PR3571-test-arm"), f.remaining()); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
	// Each sweep asked GitLab about its own merge request, once, and nothing else.
	reads := gl.Requests(scmtest.GitLabMR, glMRProject) + gl.Requests(scmtest.GitLabMRList, glMRProject)
	asked := 0
	for _, n := range gl.ListSizes() {
		asked += n
	}
	if reads != 2 || asked > 2 {
		t.Errorf("%d merge-request requests asking for %d by list, want 2 requests, one merge request each", reads, asked)
	}
}
