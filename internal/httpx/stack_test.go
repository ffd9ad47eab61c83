package httpx

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClientStackOrder: each layer sits where doc.go says, once per attempt.
func TestClientStackOrder(t *testing.T) {
	var (
		mu    sync.Mutex
		trace []string
	)
	note := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		trace = append(trace, fmt.Sprintf(format, a...))
	}
	lim := NewLimiter(Limits{Concurrency: 1})
	inFlight := func() int {
		lim.mu.Lock()
		defer lim.mu.Unlock()
		return lim.inFlight
	}
	layer := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				_, deadline := req.Context().Deadline()
				note("%s slot=%d deadline=%t", name, inFlight(), deadline)
				return next.RoundTrip(req)
			})
		}
	}
	ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}}
	ft.onSend = func(_ int, req *http.Request) {
		_, deadline := req.Context().Deadline()
		note("bottom ua=%s deadline=%t", req.Header.Get("User-Agent"), deadline)
	}
	sr := &sleepRecorder{}
	s := NewClientStack()
	s.Limiter = lim
	s.Retry = []RetryOption{WithSleep(sr.sleep), WithRand(maxRand)}
	if err := s.SetTransport(ft); err != nil {
		t.Fatal(err)
	}
	hc := s.Build(layer("over"), layer("under"))
	resp, err := hc.Get("https://example.test/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := strings.Repeat("over slot=0 deadline=false|under slot=1 deadline=false|bottom ua=prsweep deadline=true|", 2)
	if got := strings.Join(trace, "|") + "|"; got != want {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
	if resp.StatusCode != 200 || len(sr.waits) != 1 {
		t.Errorf("status %d after %d waits, want 200 after 1", resp.StatusCode, len(sr.waits))
	}
}

// TestClientStackClient: Build copies the caller's client (never changing it),
// takes its transport unless one is set, follows no redirect, and applies the
// adapter's retry options before the caller's.
func TestClientStackClient(t *testing.T) {
	under := &fakeTransport{script: []outcome{{status: 503}, {status: 301, header: hdr("Location", "https://elsewhere.test/")}}}
	given := &http.Client{Transport: under, Timeout: time.Minute}
	s := NewClientStack()
	if err := s.SetHTTPClient(given); err != nil {
		t.Fatal(err)
	}
	sr := &sleepRecorder{}
	s.Retry = []RetryOption{WithAttempts(2), WithSleep(sr.sleep)}
	hc := s.Build(nil, nil, WithAttempts(1))
	if given.Transport != under || given.CheckRedirect != nil {
		t.Error("Build changed the caller's client")
	}
	if hc.Timeout != time.Minute {
		t.Errorf("Timeout %s, want the caller's", hc.Timeout)
	}
	resp, err := hc.Get("https://example.test/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || under.attempts() != 2 {
		t.Errorf("status %d after %d requests, want the 301 itself after a retry", resp.StatusCode, under.attempts())
	}

	set := &fakeTransport{script: []outcome{{status: 204}}}
	if err := s.SetTransport(set); err != nil {
		t.Fatal(err)
	}
	resp, err = s.Build(nil, nil).Get("https://example.test/y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if set.attempts() != 1 || under.attempts() != 2 {
		t.Errorf("SetTransport's got %d requests and the client's %d, want 1 and 2 (its first)", set.attempts(), under.attempts())
	}
}

func TestClientStackSetters(t *testing.T) {
	var s ClientStack
	for _, err := range []error{
		s.SetHTTPClient(nil), s.SetTransport(nil), s.SetLogger(nil), s.SetClock(nil),
		s.SetUserAgent(""), s.SetAttemptTimeout(0), s.SetAttemptTimeout(-time.Second),
	} {
		if err == nil {
			t.Error("an empty setting was accepted")
		}
	}
	if s.Client != nil || s.Transport != nil || s.Log != nil || s.Now != nil || s.UserAgent != "" || s.AttemptTimeout != 0 {
		t.Errorf("a refused setting was kept: %+v", s)
	}
}
