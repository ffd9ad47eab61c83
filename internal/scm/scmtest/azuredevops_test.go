package scmtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// recordingTB keeps the fake's Errorf calls instead of failing the test, so the
// fake's own strictness can be tested.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

const token = "pat-0123456789"

func basic(tok string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+tok)) }

type answer struct {
	status      int
	contentType string
	body        string
	header      http.Header
}

func get(t *testing.T, url string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b), resp.Header}
}

func TestAzureDevOpsValidatesRequests(t *testing.T) {
	good := map[string]string{"Authorization": basic(token), "X-TFS-FedAuthRedirect": "Suppress"}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range good {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name       string
		method     string
		path       string
		hdr        map[string]string
		wantStatus int
		wantErr    bool // the fake reports an unknown request
	}{
		{"known request", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", good, 200, false},
		{"bearer", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", with("Authorization", "Bearer "+token), 200, false},
		{"unknown PR", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/8?api-version=7.1", good, 404, false},
		{"wrong PAT", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", with("Authorization", basic("nope")), 203, false},
		{"PAT with a user name", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1",
			with("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("me:"+token))), 203, false},
		{"wrong bearer", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", with("Authorization", "Bearer nope"), 203, false},
		{"no credential", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", with("Authorization", ""), 203, false},
		{"POST", "POST", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", good, 404, true},
		{"wrong org", "GET", "/fabrikam/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", good, 404, true},
		{"wrong project", "GET", "/contoso/Other/_apis/git/pullrequests/7?api-version=7.1", good, 404, true},
		{"not an id", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/x7?api-version=7.1", good, 404, true},
		{"leading zero", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/07?api-version=7.1", good, 404, true},
		{"no api-version", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7", good, 404, true},
		{"old api-version", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=6.0", good, 404, true},
		{"extra query", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1&x=1", good, 404, true},
		{"no FedAuthRedirect", "GET", "/contoso/Jar%20vis/_apis/git/pullrequests/7?api-version=7.1", with("X-TFS-FedAuthRedirect", ""), 404, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			f := NewAzureDevOps(rec, "contoso", "Jar vis", token)
			f.SetPR(7, "active", time.Time{})
			req, _ := http.NewRequest(tt.method, strings.TrimSuffix(f.URL(), "/contoso")+tt.path, nil)
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			a := do(t, req)
			if a.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", a.status, tt.wantStatus, a.body)
			}
			if errs := rec.errors(); (len(errs) > 0) != tt.wantErr {
				t.Errorf("fake reported %q, want a report: %v", errs, tt.wantErr)
			}
			for _, e := range rec.errors() {
				if strings.Contains(e, token) {
					t.Errorf("report leaks the token: %s", e)
				}
			}
			if tt.wantErr && !strings.HasPrefix(a.contentType, "text/html") {
				t.Errorf("unknown request answered with %q, want an HTML page", a.contentType)
			}
		})
	}
}

func TestAzureDevOpsAnswers(t *testing.T) {
	closed := time.Date(2025, 2, 3, 4, 5, 6, 700000000, time.UTC)
	f := NewAzureDevOps(t, "contoso", "Jarvis", token)
	f.SetPR(1, "active", time.Time{})
	f.SetPR(2, "completed", closed)
	f.SignInPage(3, Forever)
	f.Unauthorized(4, 1)
	f.Throttle(5, 2, 1500*time.Millisecond)
	f.ServerError(6, 503, 1)
	f.SetPR(6, "abandoned", closed)
	f.Respond(7, 1, 404, "application/json", AzureDevOpsProjectNotFound)
	hdr := map[string]string{"Authorization": basic(token), "X-TFS-FedAuthRedirect": "Suppress"}
	url := func(id int) string {
		return fmt.Sprintf("%s/Jarvis/_apis/git/pullrequests/%d?api-version=7.1", f.URL(), id)
	}

	type pr struct {
		PullRequestID int    `json:"pullRequestId"`
		Status        string `json:"status"`
		ClosedDate    string `json:"closedDate"`
	}
	decode := func(body string) pr {
		var p pr
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("decoding %s: %v", body, err)
		}
		return p
	}

	a := get(t, url(1), hdr)
	if a.status != 200 || a.contentType != adoJSON || decode(a.body) != (pr{1, "active", ""}) {
		t.Errorf("PR 1: %d %s %s", a.status, a.contentType, a.body)
	}
	if a := get(t, url(2), hdr); decode(a.body) != (pr{2, "completed", "2025-02-03T04:05:06.7000000Z"}) {
		t.Errorf("PR 2: %s", a.body)
	}
	for range 2 {
		if a := get(t, url(3), hdr); a.status != 203 || !strings.HasPrefix(a.contentType, "text/html") {
			t.Errorf("PR 3: %d %s", a.status, a.contentType)
		}
	}
	if a := get(t, url(4), hdr); a.status != 401 || !strings.Contains(a.body, "TF400813") {
		t.Errorf("PR 4 first: %d %s", a.status, a.body)
	}
	if a := get(t, url(4), hdr); a.status != 404 || a.body != AzureDevOpsPRNotFound {
		t.Errorf("PR 4 after its fault: %d %s", a.status, a.body)
	}
	for i := range 2 {
		a := get(t, url(5), hdr)
		if a.status != 429 || a.header.Get("Retry-After") != "2" || a.header.Get("X-RateLimit-Remaining") != "0" ||
			!strings.Contains(a.body, "TF400733") {
			t.Errorf("PR 5 request %d: %d %v %s", i, a.status, a.header, a.body)
		}
	}
	if a := get(t, url(6), hdr); a.status != 503 {
		t.Errorf("PR 6 first: %d", a.status)
	}
	if a := get(t, url(6), hdr); decode(a.body).Status != "abandoned" {
		t.Errorf("PR 6 after its fault: %s", a.body)
	}
	if a := get(t, url(7), hdr); a.status != 404 || a.body != AzureDevOpsProjectNotFound {
		t.Errorf("PR 7: %d %s", a.status, a.body)
	}
	got := map[int]int{}
	for id := 1; id <= 8; id++ {
		got[id] = f.Requests(id)
	}
	if diff := cmp.Diff(map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 0}, got); diff != "" {
		t.Errorf("request counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Basic"}, f.AuthSchemes(1)); diff != "" {
		t.Errorf("auth schemes (-want +got):\n%s", diff)
	}
}

func TestAzureDevOpsSlow(t *testing.T) {
	f := NewAzureDevOps(t, "contoso", "Jarvis", token)
	f.SetPR(1, "active", time.Time{})
	release := f.Slow(1)
	url := f.URL() + "/Jarvis/_apis/git/pullrequests/1?api-version=7.1"
	hdr := func(req *http.Request) {
		req.Header.Set("Authorization", basic(token))
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}

	t.Run("until the client gives up", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		hdr(req)
		done := make(chan error, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		cancel()
		if err := <-done; err == nil {
			t.Fatal("a cancelled slow request got an answer")
		}
	})
	t.Run("until released", func(t *testing.T) {
		req, _ := http.NewRequest("GET", url, nil)
		hdr(req)
		done := make(chan answer, 1)
		go func() { done <- do(t, req) }()
		release()
		release() // idempotent
		if a := <-done; a.status != 200 {
			t.Fatalf("released request: %d", a.status)
		}
	})
}

func TestAzureDevOpsCleanupFreesSlowRequests(t *testing.T) {
	// If Cleanup closed the server before opening the gate, Close would wait
	// for the hanging handler forever and this test would time out.
	done := make(chan int, 1)
	t.Run("fake's lifetime", func(t *testing.T) {
		f := NewAzureDevOps(t, "contoso", "Jarvis", token)
		f.SetPR(1, "active", time.Time{})
		f.Slow(1) // never released
		req, _ := http.NewRequest("GET", f.URL()+"/Jarvis/_apis/git/pullrequests/1?api-version=7.1", nil)
		req.Header.Set("Authorization", basic(token))
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		for f.Requests(1) == 0 {
			runtime.Gosched() // wait until the handler holds the request
		}
	})
	if got := <-done; got != 200 {
		t.Errorf("hanging request ended with %d, want 200 once released", got)
	}
}
