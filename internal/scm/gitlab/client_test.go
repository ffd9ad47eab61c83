package gitlab_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/gitlab"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

const (
	token   = "glpat-Zx8vQ2mK7pLw4nR9tY3s" // fake
	project = "platform/web/jarvis"        // a subgroup: the client must encode the slashes
)

var (
	readAt   = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	mergedAt = time.Date(2026, 5, 30, 12, 0, 0, 0, time.UTC)
)

type harness struct {
	fake   *scmtest.GitLab
	client *gitlab.Client
	sleeps *httpxtest.Sleeps
	logs   *httpxtest.Buffer
}

// newHarness starts a fake accepting token and a client sending clientToken,
// with project as its default, deterministic retries and debug logs.
func newHarness(t *testing.T, clientToken string, opts ...gitlab.Option) *harness {
	t.Helper()
	h := &harness{fake: scmtest.NewGitLab(t, token), sleeps: &httpxtest.Sleeps{}, logs: &httpxtest.Buffer{}}
	h.fake.SetClock(func() time.Time { return readAt })
	h.fake.AddProject(project)
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []gitlab.Option{
		gitlab.WithProject(project),
		gitlab.WithLogger(log),
		gitlab.WithClock(func() time.Time { return readAt }),
		gitlab.WithRetry(httpx.WithSleep(h.sleeps.Sleep), httpx.WithRand(func(n int64) int64 { return n - 1 })),
	}
	c, err := gitlab.New(h.fake.URL(), clientToken, append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.client = c
	return h
}

func (h *harness) state(t *testing.T, repo, number string) (scm.Status, error) {
	t.Helper()
	return h.client.State(context.Background(), scm.Ref{Source: "gl", Repo: repo, Number: number})
}

func TestStateMapsGitLabStates(t *testing.T) {
	h := newHarness(t, token)
	h.fake.SetMR(project, 1, "opened", time.Time{})
	h.fake.SetMR(project, 2, "merged", mergedAt)
	h.fake.SetMR(project, 3, "closed", mergedAt)
	h.fake.SetMR(project, 4, "locked", time.Time{})
	h.fake.SetMR(project, 5, "merged", time.Time{}) // merged_at null: merged long ago
	h.fake.SetMR(project, 6, "reopened", time.Time{})
	tests := []struct {
		number string
		want   scm.Status
		is     error
	}{
		{"1", scm.Status{State: scm.Open, ReadAt: readAt}, nil},
		{"2", scm.Status{State: scm.Merged, ClosedAt: mergedAt, ReadAt: readAt}, nil},
		{"3", scm.Status{State: scm.Closed, ClosedAt: mergedAt, ReadAt: readAt}, nil},
		{"4", scm.Status{State: scm.Closed, ReadAt: readAt}, nil}, // locked: no closing time yet
		{"5", scm.Status{State: scm.Merged, ReadAt: readAt}, nil},
		{"6", scm.Status{State: scm.Unknown}, scm.ErrUnexpected},
		{"7", scm.Status{State: scm.Missing, ReadAt: readAt}, scm.ErrNotFound},
		{"x7", scm.Status{State: scm.Unknown}, scm.ErrUnexpected},
		{"0", scm.Status{State: scm.Unknown}, scm.ErrUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			got, err := h.state(t, "", tt.number)
			if !errors.Is(err, tt.is) || (tt.is == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			got.Error = ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
	if n := h.fake.Requests(scmtest.GitLabMR, project); n != 7 {
		t.Errorf("%d requests, want 7 (no request for a number that is not an iid)", n)
	}
}

// A project GitLab does not show (no such project, or one the token cannot see)
// makes every merge request's state unknown, never missing.
func TestUnknownProjectIsNeverMissing(t *testing.T) {
	h := newHarness(t, token)
	st, err := h.state(t, "platform/nope", "1")
	if err == nil || errors.Is(err, scm.ErrNotFound) || st.State != scm.Unknown {
		t.Fatalf("state %s, error %v; want unknown, not missing", st.State, err)
	}
	if !strings.Contains(err.Error(), "platform/nope") || !strings.Contains(err.Error(), "read_api") {
		t.Errorf("error %q does not name the project and the scope", err)
	}
}

func TestRepoOverridesProjectAndNumericIDs(t *testing.T) {
	h := newHarness(t, token)
	id := h.fake.AddProject("other/app")
	h.fake.SetMR("other/app", 9, "merged", mergedAt)
	for _, repo := range []string{"other/app", strconv.Itoa(id)} {
		st, err := h.state(t, repo, "9")
		if err != nil || st.State != scm.Merged {
			t.Errorf("repo %s: %s, %v; want merged", repo, st.State, err)
		}
	}
	if _, err := h.state(t, "../x", "9"); !errors.Is(err, scm.ErrUnexpected) {
		t.Errorf("a project path with ..: %v, want ErrUnexpected before any request", err)
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
		token string
		want  string
	}{
		{"wrong token", nil, "glpat-wrong", "401"},
		{"no read_api", func(h *harness) { h.fake.SetScopes("read_registry") }, token, "read_api"},
		{"merge requests closed to the user", func(h *harness) { h.fake.ForbidMRs(project) }, token, "403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.token)
			h.fake.SetMR(project, 1, "merged", mergedAt)
			if tt.setup != nil {
				tt.setup(h)
			}
			st, err := h.state(t, "", "1")
			if !errors.Is(err, scm.ErrUnauthorized) || st.State != scm.Unknown || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s, %v; want unknown, ErrUnauthorized, saying %q", st.State, err, tt.want)
			}
		})
	}
}

func TestServerErrorIsUnknownAfterRetries(t *testing.T) {
	h := newHarness(t, token, gitlab.WithRetry(httpx.WithAttempts(3)))
	h.fake.SetMR(project, 1, "merged", mergedAt)
	h.fake.ServerError(project, 500, scmtest.Forever)
	st, err := h.state(t, "", "1")
	if err == nil || st.State != scm.Unknown || errors.Is(err, scm.ErrNotFound) {
		t.Fatalf("%s, %v; want unknown", st.State, err)
	}
	if n := h.fake.Requests(scmtest.GitLabMR, project); n != 3 {
		t.Errorf("%d requests, want 3 attempts", n)
	}
}

// A 429 is waited out as Retry-After says, or, without it, until RateLimit-Reset.
func TestThrottled(t *testing.T) {
	for _, tt := range []struct {
		name       string
		retryAfter time.Duration
		want       time.Duration
	}{
		{"Retry-After", 7 * time.Second, 7 * time.Second},
		{"RateLimit-Reset only", -1, 30 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, token)
			h.fake.SetMR(project, 1, "merged", mergedAt)
			h.fake.Throttle(project, 2, tt.retryAfter)
			st, err := h.state(t, "", "1")
			if err != nil || st.State != scm.Merged {
				t.Fatalf("%s, %v; want merged after the throttle", st.State, err)
			}
			if diff := cmp.Diff([]time.Duration{tt.want, tt.want}, h.sleeps.Waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobToken(t *testing.T) {
	const job = "glcbt-64_Qm9vYmFyQmF6cXV4" // fake
	h := newHarness(t, job, gitlab.WithTokenType(gitlab.JobToken))
	h.fake.SetJobToken(job, true)
	h.fake.SetMR(project, 1, "merged", mergedAt)
	if st, err := h.state(t, "", "1"); err != nil || st.State != scm.Merged {
		t.Fatalf("%s, %v; want merged through JOB-TOKEN", st.State, err)
	}
	// A GitLab that does not let job tokens read merge requests answers as to an
	// anonymous caller: the private project is not found. Unknown, never missing.
	h.fake.SetJobToken(job, false)
	st, err := h.state(t, "", "2")
	if st.State != scm.Unknown || errors.Is(err, scm.ErrNotFound) || !strings.Contains(err.Error(), "job token") {
		t.Errorf("%s, %v; want unknown with a job-token hint", st.State, err)
	}
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	h := newHarness(t, token)
	h.fake.Respond(project, scmtest.Forever, 400, "application/json", `{"message":"bad token `+token+`"}`)
	_, err := h.state(t, "", "1")
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{err.Error(), h.logs.String(), h.client.String()} {
		if strings.Contains(s, token) {
			t.Errorf("token leaked into %q", s)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for name, c := range map[string]struct {
		url, token string
		opts       []gitlab.Option
	}{
		"no token":        {"https://gitlab.example.com", " ", nil},
		"token with a nl": {"https://gitlab.example.com", "a\nb", nil},
		"ftp":             {"ftp://gitlab.example.com", token, nil},
		"user in URL":     {"https://me:pw@gitlab.example.com", token, nil},
		"query":           {"https://gitlab.example.com/?x=1", token, nil},
		"bad project":     {"https://gitlab.example.com", token, []gitlab.Option{gitlab.WithProject("a//b")}},
		"bad token type":  {"https://gitlab.example.com", token, []gitlab.Option{gitlab.WithTokenType("oauth")}},
	} {
		if _, err := gitlab.New(c.url, c.token, c.opts...); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	for _, u := range []string{"", "https://gitlab.example.com/", "https://gitlab.example.com/api/v4", "https://example.com/gitlab"} {
		if _, err := gitlab.New(u, token); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}
