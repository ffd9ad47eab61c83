package sweep_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const glSourceToken = "glpat-sweepTest0123456789ab" // fake

// gitlabSweeper parses a configuration for the v3 registry at host with a gitlab
// source at the fake whose project is platform/jarvis; PR3589's tags ask
// platform/broken instead.
func gitlabSweeper(t *testing.T, host string, gl *scmtest.GitLab, o sweep.Options) *sweep.Sweeper {
	t.Helper()
	cfg := parseConfig(t, fmt.Sprintf(`registry: {url: "http://%s"}
sources:
  - {name: gl, type: gitlab, url: %q, token: "${GL_SOURCE_TOKEN}", project: platform/jarvis}
rules:
  - {tags: '^PR(?P<pr>3589)-', source: gl, repo: platform/broken}
  - {tags: '^PR(?P<pr>\d+)-', source: gl}
`, host, gl.URL()), map[string]string{"GL_SOURCE_TOKEN": glSourceToken})
	s, err := sweep.New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// split returns what a sweep deleted and kept ("repo:tag", sorted), and the state
// each PR was given.
func splitGitLab(t *testing.T, items []plan.Item) (deleted, kept []string, states map[string]scm.State) {
	t.Helper()
	states = map[string]scm.State{}
	for _, it := range items {
		if it.PR != "" {
			states[it.PR] = it.State
		}
		if it.Action == "delete" && it.Done {
			deleted = append(deleted, it.Ref())
		} else {
			kept = append(kept, it.Ref())
		}
	}
	slices.Sort(deleted)
	slices.Sort(kept)
	return deleted, kept, states
}

// The classic set through the GitLab fake: 3571 merged and 3574 closed go, 3565 is
// locked (closed, as SPEC says) and goes, 3561 is opened and stays, 3589's project
// answers 500 to everything and its tags stay. The four merge requests of
// platform/jarvis take one list request and no single read; a throttled sweep
// waits and ends the same.
func TestGitLabSourceSweepsTheClassicSet(t *testing.T) {
	for _, throttled := range []bool{false, true} {
		t.Run(fmt.Sprintf("throttled=%v", throttled), func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			gl := scmtest.NewGitLab(t, glSourceToken)
			closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			gl.SetMR("platform/jarvis", 3571, "merged", closed)
			gl.SetMR("platform/jarvis", 3574, "closed", closed)
			gl.SetMR("platform/jarvis", 3561, "opened", time.Time{})
			gl.SetMR("platform/jarvis", 3565, "locked", time.Time{})
			gl.SetMR("platform/broken", 3589, "merged", closed)
			gl.ServerError("platform/broken", http.StatusInternalServerError, scmtest.Forever)
			if throttled {
				gl.Throttle("platform/jarvis", 1, 3*time.Second)
			}
			waits := &httpxtest.Sleeps{}
			s := gitlabSweeper(t, srv.Host(), gl, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(waits.Sleep)}})
			res, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			locked := []string{"jarvis:PR3565-test", "jarvis:PR3565-test-arm"}
			wantDeleted := slices.Sorted(slices.Values(append(registrytest.ClassicDeleted(), locked...)))
			var wantKept []string
			for _, k := range registrytest.ClassicPreserved() {
				if !slices.Contains(locked, k) {
					wantKept = append(wantKept, k)
				}
			}
			deleted, kept, states := splitGitLab(t, res.Items)
			if d := cmp.Diff(wantDeleted, deleted); d != "" {
				t.Errorf("deleted (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantKept, kept); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantKept, remaining(t, srv.Host())); d != "" {
				t.Errorf("registry after the sweep (-want +got):\n%s", d)
			}
			wantStates := map[string]scm.State{"3571": scm.Merged, "3574": scm.Closed, "3561": scm.Open, "3565": scm.Closed, "3589": scm.Unknown}
			if d := cmp.Diff(wantStates, states); d != "" {
				t.Errorf("states (-want +got):\n%s", d)
			}
			wantLists := 1
			if throttled {
				wantLists = 2 // the 429, then the answer
			}
			if n := gl.Requests(scmtest.GitLabMRList, "platform/jarvis"); n != wantLists {
				t.Errorf("%d list requests for platform/jarvis, want %d", n, wantLists)
			}
			if n := gl.Requests(scmtest.GitLabMR, "platform/jarvis"); n != 0 {
				t.Errorf("%d single reads in platform/jarvis, want 0: the list answered them all", n)
			}
			if n := gl.Requests(scmtest.GitLabMR, "platform/broken"); n == 0 {
				t.Error("3589 was not read alone after its list failed")
			}
			if throttled && !slices.Contains(waits.Waits(), 3*time.Second) {
				t.Errorf("waits %v, want the 3s Retry-After among them", waits.Waits())
			}
		})
	}
}

// 150 merge requests in one project: two list requests (100 and 50), no single read.
func TestGitLabSourceBatchesAHundredPerRequest(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ManyTags("jarvis_base", "PR", 150))
	gl := scmtest.NewGitLab(t, glSourceToken)
	var want []string
	for i := range 150 {
		state := "opened"
		if i%10 == 0 {
			state = "merged"
			want = append(want, fmt.Sprintf("jarvis_base:PR%d-test", 5000+i))
		}
		gl.SetMR("platform/jarvis", 5000+i, state, time.Time{})
	}
	res, err := gitlabSweeper(t, srv.Host(), gl, sweep.Options{}).Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	deleted, _, _ := splitGitLab(t, res.Items)
	slices.Sort(want)
	if d := cmp.Diff(want, deleted); d != "" {
		t.Errorf("deleted (-want +got):\n%s", d)
	}
	sizes := gl.ListSizes()
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{50, 100}) {
		t.Errorf("list requests asked for %v merge requests, want [50 100]", sizes)
	}
	if n := gl.Requests(scmtest.GitLabMR, "platform/jarvis"); n != 0 {
		t.Errorf("%d single reads, want 0", n)
	}
}

// validate reads each project the source and its rules name: platform/broken
// answers 500 and is named; a token without read_api is refused with the scope.
func TestGitLabSourceValidate(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	gl := scmtest.NewGitLab(t, glSourceToken)
	gl.AddProject("platform/jarvis")
	gl.AddProject("platform/broken")
	check := func() sweep.Check {
		t.Helper()
		for _, c := range gitlabSweeper(t, srv.Host(), gl, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithAttempts(1)}}).Validate(context.Background()) {
			if c.Name == "source gl" {
				return c
			}
		}
		t.Fatal("no check of source gl")
		return sweep.Check{}
	}
	if c := check(); c.Err != nil {
		t.Fatalf("validate: %v", c.Err)
	}
	gl.ServerError("platform/broken", http.StatusInternalServerError, scmtest.Forever)
	if c := check(); c.Err == nil || !strings.Contains(c.Err.Error(), "platform/broken") || strings.Contains(c.Err.Error(), "platform/jarvis") {
		t.Errorf("validate with platform/broken failing: %v", c.Err)
	}
	gl.SetScopes("read_registry")
	if c := check(); c.Err == nil || !strings.Contains(c.Err.Error(), "read_api") {
		t.Errorf("validate without read_api: %v", c.Err)
	}
}
