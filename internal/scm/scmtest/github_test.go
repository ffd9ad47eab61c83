package scmtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

// ghRecorder collects what the fake reports instead of failing the test.
type ghRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *ghRecorder) errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *ghRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func ghDo(t *testing.T, method, url, auth, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestGitHubFakeFailsOnUnknownRequests(t *testing.T) {
	rec := &ghRecorder{}
	g := scmtest.ServeGitHub(rec.errorf, "tok")
	defer g.Close()
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/nope", ""},
		{"DELETE", "/repos/o/r/pulls/1", ""},
		{"GET", "/repos/o/r/pulls/01", ""},
		{"GET", "/repos/o/r/issues", ""},
		{"POST", "/graphql", `{"query":"{ viewer { login } }"}`},
		{"POST", "/graphql", `{"query":"query($o0:String!,$n0:String!){r0:repository(owner:$o0,name:$n0){p1:pullRequest(number:1){title}}}","variables":{"o0":"o","n0":"r"}}`},
	} {
		before := rec.count()
		ghDo(t, tc.method, g.URL()+tc.path, "Bearer tok", tc.body)
		if rec.count() != before+1 {
			t.Errorf("%s %s %s: not reported", tc.method, tc.path, tc.body)
		}
	}
}

func TestGitHubFakeAnswersAsGitHubDoes(t *testing.T) {
	g := scmtest.NewGitHub(t, "tok")
	g.SetPR("contoso/app", 5, "merged", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))

	code, h, body := ghDo(t, "GET", g.URL()+"/repos/contoso/app/pulls/5", "token tok", "")
	var pr struct {
		Number   int     `json:"number"`
		State    string  `json:"state"`
		Merged   bool    `json:"merged"`
		MergedAt *string `json:"merged_at"`
		ClosedAt *string `json:"closed_at"`
	}
	if err := json.Unmarshal([]byte(body), &pr); err != nil || code != 200 {
		t.Fatalf("%d %s: %v", code, body, err)
	}
	if pr.Number != 5 || pr.State != "closed" || !pr.Merged || pr.MergedAt == nil || *pr.ClosedAt != "2026-01-02T03:04:05Z" {
		t.Errorf("pull request %+v", pr)
	}
	if h.Get("X-Ratelimit-Remaining") != "4999" || h.Get("X-Ratelimit-Resource") != "core" || h.Get("X-Ratelimit-Reset") == "" {
		t.Errorf("rate-limit headers %v", h)
	}
	if code, _, body := ghDo(t, "GET", g.URL()+"/repos/contoso/app/pulls/6", "Bearer tok", ""); code != 404 || body != scmtest.GitHubPRNotFound {
		t.Errorf("missing PR: %d %s", code, body)
	}
	if code, _, body := ghDo(t, "GET", g.URL()+"/repos/contoso/app/pulls/5", "Bearer nope", ""); code != 401 || !strings.Contains(body, "Bad credentials") {
		t.Errorf("bad token: %d %s", code, body)
	}
	q := `{"query":"query($o0:String!,$n0:String!){r0:repository(owner:$o0,name:$n0){p5:pullRequest(number:5){number state merged mergedAt closedAt} p6:pullRequest(number:6){number state}}}","variables":{"o0":"contoso","n0":"app"}}`
	code, h, body = ghDo(t, "POST", g.URL()+"/graphql", "Bearer tok", q)
	want := `{"data":{"r0":{"p5":{"closedAt":"2026-01-02T03:04:05Z","merged":true,"mergedAt":"2026-01-02T03:04:05Z","number":5,"state":"MERGED"},"p6":null}},` +
		`"errors":[{"locations":[{"column":1,"line":1}],"message":"Could not resolve to a PullRequest with the number of 6.","path":["r0","p6"],"type":"NOT_FOUND"}]}`
	if code != 200 || body != want {
		t.Errorf("GraphQL: %d\n%s\nwant\n%s", code, body, want)
	}
	if h.Get("X-Ratelimit-Resource") != "graphql" {
		t.Errorf("GraphQL rate-limit resource %q", h.Get("X-Ratelimit-Resource"))
	}
	g.SecondaryLimit(1, 30*time.Second)
	if code, h, body := ghDo(t, "GET", g.URL()+"/repos/contoso/app/pulls/5", "Bearer tok", ""); code != 403 || h.Get("Retry-After") != "30" || !strings.Contains(body, "secondary rate limit") {
		t.Errorf("secondary limit: %d %v %s", code, h, body)
	}
}
