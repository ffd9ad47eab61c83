package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRetryBodies(t *testing.T) {
	tests := []struct {
		name       string
		makeReq    func() *http.Request
		wantBodies []string
		wantStatus int
	}{
		{"body with GetBody is replayed", func() *http.Request {
			r, _ := http.NewRequest("PUT", "https://example.test/x", bytes.NewReader([]byte("payload")))
			return r
		}, []string{"payload", "payload"}, 200},
		{"body without GetBody is not retried", func() *http.Request {
			r, _ := http.NewRequest("PUT", "https://example.test/x", io.NopCloser(strings.NewReader("once")))
			r.GetBody = nil
			return r
		}, []string{"once"}, 503},
		{"NoBody is retried", func() *http.Request {
			r, _ := http.NewRequest("PUT", "https://example.test/x", http.NoBody)
			return r
		}, []string{"", ""}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}}
			rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep))
			resp, err := rt.RoundTrip(tt.makeReq())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBodies, ft.bodies); diff != "" {
				t.Errorf("bodies sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryGetBodyFails(t *testing.T) {
	ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}}
	rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep))
	req, _ := http.NewRequest("PUT", "https://example.test/x", strings.NewReader("p"))
	boom := errors.New("boom")
	req.GetBody = func() (io.ReadCloser, error) { return nil, boom }
	if _, err := rt.RoundTrip(req); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap the GetBody error", err)
	}
}

func TestRetryDoesNotModifyTheRequest(t *testing.T) {
	ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}}
	rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep))
	req, _ := http.NewRequest("PUT", "https://example.test/x", strings.NewReader("p"))
	body := req.Body
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ft.sent[0] != req || ft.sent[1] == req {
		t.Error("first attempt must send the request itself, later ones a copy")
	}
	if req.Body != body {
		t.Error("the caller's request got a new body")
	}
}

func TestRetryDrainsDiscardedResponses(t *testing.T) {
	ft := &fakeTransport{script: []outcome{{status: 502}, {status: 503}, {status: 200}}}
	rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep))
	req, _ := http.NewRequest("GET", "https://example.test/x", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range ft.resps[:2] {
		if !b.closed || !b.drained() {
			t.Errorf("discarded response %d: closed=%v drained=%v", i, b.closed, b.drained())
		}
	}
	// A GET's body is read within the attempt; the caller gets all of it.
	if b, err := io.ReadAll(resp.Body); err != nil || len(b) != 100 {
		t.Errorf("the returned body: %d bytes, %v", len(b), err)
	}
	resp.Body.Close()
}

// A GET whose body breaks off is another failed attempt, retried like a reset.
func TestRetryCutOffBody(t *testing.T) {
	calls := 0
	rt := NewRetry(roundTripFunc(func(req *http.Request) (*http.Response, error) {
		calls++
		var body io.Reader = strings.NewReader(`{"tags":["a","b"]}`)
		if calls == 1 {
			body = io.MultiReader(strings.NewReader(`{"tags":["a"`), errReader{io.ErrUnexpectedEOF})
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(body), Request: req}, nil
	}), WithSleep((&sleepRecorder{}).sleep))
	req, _ := http.NewRequest("GET", "https://example.test/v2/x/tags/list", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if calls != 2 || string(b) != `{"tags":["a","b"]}` {
		t.Errorf("%d attempts, body %q", calls, b)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetryLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ft := &fakeTransport{script: []outcome{
		{status: 429, header: hdr("Retry-After", "2", "Set-Cookie", "session=cookie-secret")},
		{err: io.EOF},
		{status: 200},
	}}
	rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep), WithRand(maxRand), WithLogger(log))
	req, _ := http.NewRequestWithContext(context.Background(), "GET", "https://user:pw-secret@example.test/v2/x?access_token=tok-secret&n=1", nil)
	req.Header.Set("Authorization", "Bearer header-secret")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`level=DEBUG msg="retrying request" method=GET url=https://example.test/v2/x attempt=1 wait=2s status=429`,
		`level=DEBUG msg="retrying request" method=GET url=https://example.test/v2/x attempt=2 wait=1s error=EOF`,
	}
	var got []string
	for _, l := range lines {
		_, rest, _ := strings.Cut(l, " ") // drop time=…
		got = append(got, rest)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"pw-secret", "tok-secret", "header-secret", "cookie-secret", "n=1"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log contains %q:\n%s", secret, buf.String())
		}
	}
}
