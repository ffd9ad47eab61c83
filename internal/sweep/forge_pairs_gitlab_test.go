package sweep_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// glPair is GitLab's container registry (in front of distribution v3) and its
// merge requests, each through its fake, one token for both: what a project on
// gitlab.com sees. The project team/app holds glEnv's images; its merge requests
// are the classic set's (3571 merged, 3574 closed, the others opened) and 3575,
// merged, whose manifest list goes with its tagged children.
type glPair struct {
	*glEnv
	mrs *scmtest.GitLab
}

func newGLPair(t *testing.T) *glPair {
	t.Helper()
	e := &glPair{glEnv: newGLEnv(t), mrs: scmtest.NewGitLab(t, glToken)}
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for n, s := range classicStates() {
		state, at := "opened", time.Time{}
		if s != "open" {
			state, at = s, closed
		}
		e.mrs.SetMR(glProject, atoi(t, n), state, at)
	}
	e.mrs.SetMR(glProject, 3575, "merged", closed)
	return e
}

// sweeper reads a configuration with the gitlab registry and the gitlab source;
// the rule names no project: the source's, team/app, holds the merge requests.
func (e *glPair) sweeper(t *testing.T, extra string) *sweep.Sweeper {
	t.Helper()
	yaml := fmt.Sprintf(`registry:
  type: gitlab
  url: https://%s
  api: %s
  project: %s
  token: ${GITLAB_TOKEN}
  caFile: %s
sources:
  - name: gl
    type: gitlab
    url: %s
    project: %s
    token: ${GITLAB_TOKEN}
rules:
  - repositories: ['%s/*']
    tags: '^PR(?P<pr>\d+)-'
    source: gl
%s`, e.gl.Host(), e.gl.URL(), glProject, e.caFile, e.mrs.URL(), glProject, glProject, extra)
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { return glToken, k == "GITLAB_TOKEN" })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s, err := sweep.New(cfg, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sweep runs s, failing the test on a failed item, and checks each merge
// request's state.
func (e *glPair) sweep(t *testing.T, s *sweep.Sweeper) []outcomeItem {
	t.Helper()
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]scm.State{"3571": scm.Merged, "3574": scm.Closed, "3561": scm.Open, "3565": scm.Open, "3589": scm.Open, "3575": scm.Merged}
	got := map[string]scm.State{}
	var items []outcomeItem
	for _, it := range res.Items {
		if it.Failed() {
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
		if it.PR != "" {
			got[it.PR] = it.State
		}
		items = append(items, outcomeItem{it.Ref(), it.Action == "delete" && it.Done})
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	return items
}

// The classic set, a manifest list with tagged children, a release index with
// untagged ones and cosign signatures on GitLab's registry, with the merge
// requests' states from GitLab: the merged and closed ones' tags go, one tag
// DELETE each through GitLab's API; 5.32.0-develop, on PR3574-test's manifest,
// stays with its signature and digest; the six merge requests take one list
// request and no single read.
func TestGitLabRegistryWithGitLabSource(t *testing.T) {
	e := newGLPair(t)
	release := headDigest(t, e.backend.Host(), glProject+"/jarvis", "5.32.0-develop")
	s := e.sweeper(t, "")
	e.check(t, e.sweep(t, s))
	if got := e.gl.Count("DELETE /api/v4/projects/:id/registry/repositories/:rid/tags/:tag"); got != len(e.deleted) {
		t.Errorf("%d tag DELETEs through GitLab's API, want %d", got, len(e.deleted))
	}
	if got := headDigest(t, e.backend.Host(), glProject+"/jarvis", "5.32.0-develop"); got != release {
		t.Errorf("5.32.0-develop points at %s, was %s", got, release)
	}
	if n := e.mrs.Requests(scmtest.GitLabMRList, glProject); n != 1 {
		t.Errorf("%d merge-request list requests, want 1", n)
	}
	if n := e.mrs.Requests(scmtest.GitLabMR, glProject); n != 0 {
		t.Errorf("%d single merge-request reads, want 0", n)
	}
	if sizes := e.mrs.ListSizes(); !slices.Equal(sizes, []int{6}) {
		t.Errorf("list requests asked for %v merge requests, want [6]", sizes)
	}
	for _, again := range run(t, s, false) {
		if again.deleted {
			t.Errorf("a second sweep deleted %s", again.ref)
		}
	}
}

// 429s on every third registry API request and on the first merge-request list:
// the sweep honours both Retry-After and ends as an unthrottled one.
func TestGitLabRegistryWithGitLabSourceThrottled(t *testing.T) {
	e := newGLPair(t)
	e.gl.ThrottleEvery(3, "2")
	e.mrs.Throttle(glProject, 1, 3*time.Second)
	e.check(t, e.sweep(t, e.sweeper(t, "concurrency: 8\n")))
	w := e.waits.Waits()
	if !slices.Contains(w, 2*time.Second) || !slices.Contains(w, 3*time.Second) {
		t.Errorf("waits %v, want the registry's 2s and the source's 3s among them", w)
	}
	if e.gl.Throttled() < 5 {
		t.Errorf("only %d registry requests were throttled", e.gl.Throttled())
	}
	if n := e.mrs.Requests(scmtest.GitLabMRList, glProject); n != 2 {
		t.Errorf("%d merge-request list requests, want 2 (the 429, then the answer)", n)
	}
}
