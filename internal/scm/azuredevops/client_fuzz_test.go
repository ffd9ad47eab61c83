package azuredevops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
)

// fuzzToken is short enough that a 40-rune excerpt of an echoed value holds it whole.
const fuzzToken = "fz7Tq2mK9vX4wL8n"

// fuzzAnswer is what the fuzz server answers next.
type fuzzAnswer struct {
	status      int
	contentType string
	retryAfter  string
	location    string
	body        []byte
}

// fuzzServer answers every request with the current answer and records the
// paths it was asked for.
type fuzzServer struct {
	mu    sync.Mutex
	next  fuzzAnswer
	paths []string
}

func (s *fuzzServer) set(a fuzzAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next, s.paths = a, nil
}

func (s *fuzzServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func (s *fuzzServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.next
	s.paths = append(s.paths, r.URL.RequestURI())
	s.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	if a.retryAfter != "" {
		h.Set("Retry-After", a.retryAfter)
	}
	if a.location != "" {
		h.Set("Location", a.location)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// FuzzState feeds arbitrary answers (status, content type, Retry-After,
// Location, body) and pull-request numbers through the real client against an
// httptest server. The client never panics; only a 200 JSON answer yields
// open, merged or closed, and only the word ADO uses for it; only a 404 JSON
// answer yields missing; any other answer is unknown with an error; a number
// that is not all digits sends nothing; and no error holds the token.
func FuzzState(f *testing.F) {
	srv := &fuzzServer{}
	ts := httptest.NewServer(srv)
	f.Cleanup(ts.Close)
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	clients := map[bool]*azuredevops.Client{}
	for _, bearer := range []bool{false, true} {
		tt := azuredevops.PAT
		if bearer {
			tt = azuredevops.Bearer
		}
		c, err := azuredevops.New(ts.URL+"/contoso", "Jarvis", fuzzToken, azuredevops.WithTokenType(tt),
			azuredevops.WithAttemptTimeout(5*time.Second), azuredevops.WithRetry(httpx.WithSleep(noSleep)))
		if err != nil {
			f.Fatal(err)
		}
		clients[bearer] = c
	}
	secrets := []string{fuzzToken, base64.StdEncoding.EncodeToString([]byte(":" + fuzzToken))}

	const json = "application/json; charset=utf-8; api-version=7.1"
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed","closedDate":"2026-11-20T10:00:00.0000000Z"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"abandoned"}`), true)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"active"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3572,"status":"completed"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"notSet"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed","closedDate":"yesterday"}`), false)
	f.Add("3571", 200, "text/html", "", "", []byte(`{"pullRequestId":3571,"status":"completed"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed"`), false)
	f.Add("3571", 200, json, "", "", []byte(`[{"pullRequestId":3571,"status":"completed"}]`), false)
	f.Add("3571", 203, "text/html", "", "", []byte(`<html>Sign in</html>`), false)
	f.Add("3571", 404, json, "", "", []byte(`{"message":"TF401180: The requested pull request was not found.","typeKey":"GitPullRequestNotFoundException"}`), false)
	f.Add("3571", 404, "text/html", "", "", []byte(`TF401180`), false)
	f.Add("3571", 404, json, "", "", []byte(`{"message":"TF200016: The following project does not exist"}`), false)
	f.Add("3571", 401, json, "", "", []byte(`{"message":"TF400813: token `+fuzzToken+` refused"}`), true)
	f.Add("3571", 429, json, "3600", "", []byte(`{"message":"TF400733"}`), false)
	f.Add("3571", 503, json, "1", "", []byte(`{"message":"down"}`), false)
	f.Add("3571", 302, "text/html", "", "https://login.example.test/?token="+fuzzToken, []byte(``), false)
	f.Add("3571/../../x?y=1", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed"}`), false)
	f.Add("03571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed"}`), false)
	f.Add("99999999999", 200, json, "", "", []byte(`{"pullRequestId":99999999999,"status":"completed"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"`+fuzzToken+`"}`), false)
	f.Add("3571", 200, json, "", "", []byte(`{"pullRequestId":3571,"status":"completed","closedDate":"`+fuzzToken+`"}`), false)
	f.Add("3571", 503, json, fuzzToken, "", []byte(`{}`), false)
	f.Fuzz(func(t *testing.T, number string, status int, contentType, retryAfter, location string, body []byte, bearer bool) {
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400 // 200…599: a 1xx is not a final answer
		}
		srv.set(fuzzAnswer{status: status, contentType: contentType, retryAfter: retryAfter, location: location, body: body})
		st, err := clients[bearer].State(context.Background(), scm.Ref{Source: "ado", Number: number})

		text := st.Error
		if err != nil {
			text += " " + err.Error()
		}
		leaked := false
		for _, s := range secrets {
			leaked = leaked || strings.Contains(text, s)
		}
		asked := srv.asked()
		if !digits.MatchString(number) && len(asked) > 0 {
			t.Fatalf("number %q sent requests %q", number, asked)
		}
		for _, p := range asked {
			if !strings.HasPrefix(p, "/contoso/Jarvis/_apis/git/pullrequests/") || !strings.HasSuffix(p, "?api-version=7.1") ||
				!digits.MatchString(strings.TrimSuffix(strings.TrimPrefix(p, "/contoso/Jarvis/_apis/git/pullrequests/"), "?api-version=7.1")) {
				t.Fatalf("number %q asked for %q", number, p)
			}
		}
		isJSON := jsonType(contentType)
		switch st.State {
		case scm.Open, scm.Merged, scm.Closed:
			word := map[scm.State]string{scm.Open: `"active"`, scm.Merged: `"completed"`, scm.Closed: `"abandoned"`}[st.State]
			id := strings.TrimLeft(number, "0")
			if id == "" {
				id = "0"
			}
			if err != nil || status != http.StatusOK || !isJSON || !bytes.Contains(body, []byte(word)) || !bytes.Contains(body, []byte(id)) {
				t.Fatalf("state %s (err %v) from status %d, %q, body %q", st.State, err, status, contentType, body)
			}
		case scm.Missing:
			if !errors.Is(err, scm.ErrNotFound) || status != http.StatusNotFound || !isJSON {
				t.Fatalf("missing (err %v) from status %d, %q, body %q", err, status, contentType, body)
			}
		case scm.Unknown:
			if err == nil || st.Error == "" {
				t.Fatalf("unknown without an error: %+v, %v", st, err)
			}
		default:
			t.Fatalf("state %q", st.State)
		}
		if leaked {
			t.Fatalf("the token is in the error: %q", text)
		}
	})
}

// jsonType is the test's own reading of "a JSON content type".
func jsonType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
