package gitlab_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/gitlab"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

func refs(repo string, from, to int) []scm.Ref {
	var out []scm.Ref
	for n := from; n <= to; n++ {
		out = append(out, scm.Ref{Source: "gl", Repo: repo, Number: strconv.Itoa(n)})
	}
	return out
}

// One list request per 100 merge requests of a project, each state as State
// would read it; what the list does not hold is absent, never a state.
func TestStatesBatchesByProject(t *testing.T) {
	h := newHarness(t, token)
	states := []string{"opened", "merged", "closed", "locked"}
	for n := 1; n <= 150; n++ {
		h.fake.SetMR(project, n, states[n%4], mergedAt)
	}
	h.fake.SetMR("other/app", 3, "merged", mergedAt)
	h.fake.SetMR(project, 151, "reopened", time.Time{}) // odd: read alone
	asked := append(refs("", 1, 155), refs("other/app", 3, 4)...)
	asked = append(asked, scm.Ref{Source: "gl", Number: "x"}) // not an iid: read alone

	got := h.client.States(context.Background(), asked)

	want := map[scm.Ref]scm.Status{}
	for n := 1; n <= 150; n++ {
		st := map[string]scm.Status{
			"opened": {State: scm.Open}, "merged": {State: scm.Merged, ClosedAt: mergedAt},
			"closed": {State: scm.Closed, ClosedAt: mergedAt}, "locked": {State: scm.Closed},
		}[states[n%4]]
		st.ReadAt = readAt
		want[scm.Ref{Source: "gl", Number: strconv.Itoa(n)}] = st
	}
	want[scm.Ref{Source: "gl", Repo: "other/app", Number: "3"}] = scm.Status{State: scm.Merged, ClosedAt: mergedAt, ReadAt: readAt}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if a, b := h.fake.Requests(scmtest.GitLabMRList, project), h.fake.Requests(scmtest.GitLabMRList, "other/app"); a != 2 || b != 1 {
		t.Errorf("%d and %d list requests, want 2 (155 iids) and 1", a, b)
	}
	for _, n := range h.fake.ListSizes() {
		if n > 100 {
			t.Errorf("a list request asked for %d iids, more than GitLab's 100", n)
		}
	}
	if n := h.fake.Requests(scmtest.GitLabMR, project); n != 0 {
		t.Errorf("%d single reads; States leaves them to the caller", n)
	}
}

// A server that pages at fewer than 100 is followed page by page.
func TestStatesFollowsPages(t *testing.T) {
	h := newHarness(t, token)
	h.fake.SetMaxPerPage(30)
	for n := 1; n <= 100; n++ {
		h.fake.SetMR(project, n, "merged", mergedAt)
	}
	got := h.client.States(context.Background(), refs("", 1, 100))
	if len(got) != 100 {
		t.Errorf("%d states, want 100", len(got))
	}
	if n := h.fake.Requests(scmtest.GitLabMRList, project); n != 4 {
		t.Errorf("%d list requests, want 4 pages of 30", n)
	}
}

// A failed list leaves its merge requests to be read alone, which still works.
func TestStatesFailureIsAbsence(t *testing.T) {
	for name, setup := range map[string]func(h *harness){
		"500": func(h *harness) { h.fake.ServerError(project, 500, 5) },
		"filter lost": func(h *harness) {
			h.fake.Respond(project, 1, 200, "application/json", `[{"iid":1,"project_id":1000,"state":"opened"},{"iid":999,"project_id":1000,"state":"merged"}]`)
		},
		"twice": func(h *harness) {
			h.fake.Respond(project, 1, 200, "application/json", `[{"iid":1,"project_id":1000,"state":"merged"},{"iid":1,"project_id":1000,"state":"opened"}]`)
		},
		"empty list": func(h *harness) {
			h.fake.Respond(project, 1, 200, "application/json", `[]`)
		},
		"not JSON": func(h *harness) { h.fake.Respond(project, 1, 200, "text/html", `<html></html>`) },
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, token)
			h.fake.SetMR(project, 1, "merged", mergedAt)
			h.fake.SetMR(project, 2, "opened", time.Time{})
			setup(h)
			got := h.client.States(context.Background(), refs("", 1, 2))
			if name == "empty list" {
				// An empty list is an answer: both are absent, to be read alone.
				if len(got) != 0 {
					t.Errorf("states %v, want none", got)
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("states %v, want none from a failed batch", got)
			}
			st, err := h.client.State(context.Background(), scm.Ref{Source: "gl", Number: "1"})
			if err != nil || st.State != scm.Merged {
				t.Errorf("read alone: %s, %v; want merged", st.State, err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(h *harness)
		repos   []string
		wantErr []string // substrings; nil: no error
		unauth  bool
	}{
		{"readable", nil, []string{project}, nil, false},
		{"default project only", nil, nil, nil, false},
		{"templates skipped", nil, []string{"platform/{name}", "{repository}"}, nil, false},
		{"unknown project", nil, []string{"platform/nope"}, []string{"platform/nope", "read_api"}, true},
		{"no scope", func(h *harness) { h.fake.SetScopes("read_registry") }, nil, []string{"read_api"}, true},
		{"merge requests closed", func(h *harness) { h.fake.ForbidMRs(project) }, nil, []string{"merge requests of " + project}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, token)
			if tt.setup != nil {
				tt.setup(h)
			}
			err := h.client.Check(context.Background(), tt.repos)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check passed")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if errors.Is(err, scm.ErrUnauthorized) != tt.unauth {
				t.Errorf("errors.Is(ErrUnauthorized) = %v, want %v", !tt.unauth, tt.unauth)
			}
		})
	}
}

// A job token cannot read GET /projects/:id, so Check lists merge requests only.
func TestCheckJobToken(t *testing.T) {
	const job = "glcbt-64_Qm9vYmFyQmF6cXV4" // fake
	h := newHarness(t, job, gitlab.WithTokenType(gitlab.JobToken))
	h.fake.SetJobToken(job, true)
	if err := h.client.Check(context.Background(), nil); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := h.fake.Requests(scmtest.GitLabProject, project); n != 0 {
		t.Errorf("%d project reads with a job token, want 0", n)
	}
	h.fake.SetJobToken(job, false)
	err := h.client.Check(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "job token") {
		t.Errorf("Check on a GitLab refusing job tokens: %v; want the job-token hint", err)
	}
}
