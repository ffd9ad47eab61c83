package gitlab_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/gitlab"
)

// Whatever GitLab answers, a state is only what the answer says: a merge request
// is never merged or closed unless its body says so, and never missing unless
// GitLab said "404 Not found" for it; a list never gives a state to a merge
// request it did not name.
func FuzzAnswers(f *testing.F) {
	f.Add(200, "application/json", `{"iid":1,"project_id":9,"state":"merged","merged_at":"2026-01-02T03:04:05.000Z"}`)
	f.Add(200, "application/json", `[{"iid":1,"project_id":9,"state":"closed","closed_at":null}]`)
	f.Add(200, "application/json", `{"iid":2,"state":"merged"}`)
	f.Add(200, "application/json", `{"iid":1,"state":"merged","merged_at":"yesterday"}`)
	f.Add(404, "application/json", `{"message":"404 Project Not Found"}`)
	f.Add(404, "application/json", `{"message":"404 Not found"}`)
	f.Add(404, "text/html", `404 Not found`)
	f.Add(403, "application/json", `{"error":"insufficient_scope"}`)
	f.Add(200, "text/html", `<html>{"state":"merged"}</html>`)
	f.Add(302, "text/html", ``)
	f.Add(200, "application/json", `{"iid":1,"stAte":"merged"}`) // encoding/json matches names case-insensitively
	f.Fuzz(func(t *testing.T, code int, contentType, body string) {
		if code < 200 || code > 599 || strings.ContainsAny(contentType, "\r\n") {
			t.Skip()
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		// Retried answers (429, 5xx) go again at once: a fuzz input must not sleep
		// (a 429 waited out its back-off for seconds, and the fuzzer took the worker
		// for hung).
		noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		c, err := gitlab.New(srv.URL, "tok", gitlab.WithProject("g/app"), gitlab.WithRetry(httpx.WithSleep(noSleep)))
		if err != nil {
			t.Fatal(err)
		}
		ref := scm.Ref{Source: "gl", Number: "1"}
		st, err := c.State(context.Background(), ref)
		switch st.State {
		case scm.Merged, scm.Closed, scm.Open:
			if code != 200 || err != nil || !strings.Contains(body, `"state"`) {
				t.Errorf("%s from status %d %q (error %v)", st.State, code, body, err)
			}
		case scm.Missing:
			if code != 404 || !errors.Is(err, scm.ErrNotFound) || !strings.Contains(body, "404 Not found") {
				t.Errorf("missing from status %d %q", code, body)
			}
		}
		got := c.States(context.Background(), []scm.Ref{ref, {Source: "gl", Number: "2"}})
		for r, st := range got {
			if code != 200 || st.State == scm.Missing || st.State == scm.Unknown || !strings.Contains(body, `"iid":`+r.Number) {
				t.Errorf("list gave %s %s from status %d %q", r, st.State, code, body)
			}
		}
	})
}
