package github_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
)

// oddServer answers every request with status, content type and body, and every
// repository read with 200, so that a 404 would count as missing.
func oddServer(t testing.TB, status int, contentType, body string, header ...string) *github.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/repos/o/r" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":1,"full_name":"o/r"}`))
			return
		}
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := github.New(srv.URL, github.Auth{Token: testToken}, github.WithRetry(httpx.WithAttempts(1)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOddAnswersAreNeverAState(t *testing.T) {
	const js = "application/json"
	for name, tc := range map[string]struct {
		status   int
		ct, body string
		header   []string
		sentinel error
	}{
		"closed without merged": {200, js, `{"number":1,"state":"closed","closed_at":"2026-01-01T00:00:00Z"}`, nil, scm.ErrUnexpected},
		"other number":          {200, js, `{"number":2,"state":"closed","merged":true}`, nil, scm.ErrUnexpected},
		"no number":             {200, js, `{"state":"open"}`, nil, scm.ErrUnexpected},
		"odd state":             {200, js, `{"number":1,"state":"draft"}`, nil, scm.ErrUnexpected},
		"no state":              {200, js, `{"number":1,"merged":true}`, nil, scm.ErrUnexpected},
		"html":                  {200, "text/html", `<html>sign in</html>`, nil, scm.ErrUnexpected},
		"array":                 {200, js, `[]`, nil, scm.ErrUnexpected},
		"renamed":               {301, js, `{"message":"Moved Permanently","url":"/repositories/1/pulls/1"}`, []string{"Location", "/repositories/1/pulls/1"}, scm.ErrUnexpected},
		"teapot":                {418, js, `{"message":"I'm a teapot"}`, nil, scm.ErrUnexpected},
		"403":                   {403, js, `{"message":"Resource not accessible by integration"}`, nil, scm.ErrUnauthorized},
		"502":                   {502, "text/html", `bad gateway`, nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			c := oddServer(t, tc.status, tc.ct, tc.body, tc.header...)
			st, err := c.State(ctx(t), ref("o/r", "1"))
			if st.State != scm.Unknown || err == nil || errors.Is(err, scm.ErrNotFound) {
				t.Fatalf("State: %+v, %v; want unknown", st, err)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tc.sentinel)
			}
			if st.Error == "" {
				t.Error("an unknown state without its error")
			}
		})
	}
	// The same 404 body that means missing when the repository reads fine.
	c := oddServer(t, 404, js, `{"message":"Not Found"}`)
	if st, err := c.State(ctx(t), ref("o/r", "1")); st.State != scm.Missing || !errors.Is(err, scm.ErrNotFound) {
		t.Errorf("404 in a readable repository: %+v, %v; want missing", st, err)
	}
}

func TestOddGraphQLAnswersAreLeftOut(t *testing.T) {
	const js = "application/json"
	for name, body := range map[string]string{
		"other number":       `{"data":{"r0":{"p1":{"number":2,"state":"MERGED","merged":true}}}}`,
		"merged but open":    `{"data":{"r0":{"p1":{"number":1,"state":"OPEN","merged":true}}}}`,
		"closed but merged":  `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED","merged":true}}}}`,
		"merged not merged":  `{"data":{"r0":{"p1":{"number":1,"state":"MERGED","merged":false}}}}`,
		"odd state":          `{"data":{"r0":{"p1":{"number":1,"state":"DRAFT"}}}}`,
		"bad date":           `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED","closedAt":"yesterday"}}}}`,
		"named by an error":  `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED"}}},"errors":[{"type":"FORBIDDEN","path":["r0","p1"]}]}`,
		"repository named":   `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED"}}},"errors":[{"type":"NOT_FOUND","path":["r0"]}]}`,
		"error without path": `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED"}}},"errors":[{"type":"RATE_LIMITED"}]}`,
		"other alias":        `{"data":{"r1":{"p1":{"number":1,"state":"CLOSED"}}}}`,
		"not JSON":           `<html></html>`,
		"data not an object": `{"data":[1]}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := oddServer(t, 200, js, body)
			if got := c.States(ctx(t), []scm.Ref{ref("o/r", "1")}); len(got) != 0 {
				t.Errorf("States: %+v, want nothing", got)
			}
		})
	}
	c := oddServer(t, 200, js, `{"data":{"r0":{"p1":{"number":1,"state":"CLOSED","merged":false,"closedAt":"2026-01-01T00:00:00Z"}}}}`)
	if got := c.States(ctx(t), []scm.Ref{ref("o/r", "1")}); got[ref("o/r", "1")].State != scm.Closed {
		t.Errorf("a well-formed answer: %+v", got)
	}
}

// FuzzGraphQLAnswer: whatever GitHub answers, a batch says open, merged or closed,
// or nothing.
func FuzzGraphQLAnswer(f *testing.F) {
	f.Add(`{"data":{"r0":{"p1":{"number":1,"state":"MERGED","merged":true,"mergedAt":"2026-01-01T00:00:00Z"}}}}`)
	f.Add(`{"data":{"r0":null},"errors":[{"type":"NOT_FOUND","path":["r0"]}]}`)
	f.Add(`{"data":{"r0":{"p1":null}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		c := oddServer(t, 200, "application/json", body)
		for r, st := range c.States(t.Context(), []scm.Ref{ref("o/r", "1")}) {
			if r != ref("o/r", "1") || (st.State != scm.Open && st.State != scm.Merged && st.State != scm.Closed) {
				t.Errorf("%v: %+v", r, st)
			}
		}
	})
}
