package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// holdingTransport holds each request it is told to until the request's
// context ends (a server that never answers) or the test lets it go.
type holdingTransport struct {
	mu      sync.Mutex
	n       map[string]int // attempts by method
	hold    func(method string, attempt int) bool
	held    chan *http.Request // a request that is now held
	release chan struct{}      // closed: held requests answer 200
	ctxErrs map[string][]error // per method, how each held attempt's context ended
}

func newHoldingTransport(hold func(method string, attempt int) bool) *holdingTransport {
	return &holdingTransport{n: map[string]int{}, hold: hold, held: make(chan *http.Request, 10),
		release: make(chan struct{}), ctxErrs: map[string][]error{}}
}

func (h *holdingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.n[req.Method]++
	n := h.n[req.Method]
	h.mu.Unlock()
	if h.hold(req.Method, n) {
		h.held <- req
		select {
		case <-req.Context().Done():
			h.mu.Lock()
			h.ctxErrs[req.Method] = append(h.ctxErrs[req.Method], req.Context().Err())
			h.mu.Unlock()
			return nil, req.Context().Err()
		case <-h.release:
			h.mu.Lock()
			h.ctxErrs[req.Method] = append(h.ctxErrs[req.Method], req.Context().Err())
			h.mu.Unlock()
		}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
}

func (h *holdingTransport) attempts(method string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[method]
}

func TestTimeoutsFitTheRequest(t *testing.T) {
	// Short configured durations stand in for the defaults (10 s and 60 s); the
	// tests wait on events, never on the clock.
	const read, write = 20 * time.Millisecond, time.Hour
	noSleep := WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })

	t.Run("a held GET is cut after the read time-out and retried", func(t *testing.T) {
		ht := newHoldingTransport(func(m string, n int) bool { return n == 1 })
		rt := NewRetry(NewTimeouts(ht, Timeouts{Read: read, Write: write}), noSleep)
		req, _ := http.NewRequest("GET", "https://r.test/v2/app/manifests/pr-1", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := ht.attempts("GET"); got != 2 {
			t.Errorf("attempts = %d, want 2 (the held one cut, then a retry)", got)
		}
		if errs := ht.ctxErrs["GET"]; len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Errorf("the held attempt ended with %v, want its deadline", errs)
		}
	})

	t.Run("a held DELETE outlives the read time-out", func(t *testing.T) {
		// The DELETE is held first; a GET sent after it through the same stack
		// is cut by the read time-out, so the DELETE has been held longer than
		// that. It must still be live, and succeed once let go, on one attempt.
		ht := newHoldingTransport(func(m string, n int) bool { return m == "DELETE" || n == 1 })
		rt := NewRetry(NewTimeouts(ht, Timeouts{Read: read, Write: write}), noSleep)
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequest("DELETE", "https://r.test/v2/app/manifests/sha256:abc", nil)
			resp, err := rt.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		del := <-ht.held
		get, _ := http.NewRequest("GET", "https://r.test/v2/app/tags/list", nil)
		resp, err := rt.RoundTrip(get)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if errs := ht.ctxErrs["GET"]; len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Fatalf("the held GET ended with %v, want its deadline", errs)
		}
		if err := del.Context().Err(); err != nil {
			t.Fatalf("the DELETE's attempt ended (%v) with the read time-out", err)
		}
		close(ht.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := ht.attempts("DELETE"); got != 1 {
			t.Errorf("DELETE attempts = %d, want 1", got)
		}
	})

	t.Run("defaults and the override", func(t *testing.T) {
		for _, c := range []struct {
			name        string
			t           Timeouts
			method, url string
			want        time.Duration
		}{
			{"manifest HEAD", Timeouts{}, "HEAD", "https://r.test/v2/a/manifests/t", DefaultReadTimeout},
			{"tag page", Timeouts{}, "GET", "https://r.test/v2/a/tags/list", DefaultReadTimeout},
			{"source read", Timeouts{}, "GET", "https://dev.azure.com/o/p/_apis/git/pullrequests/1", DefaultReadTimeout},
			{"token", Timeouts{}, "POST", "https://r.test/oauth2/exchange", DefaultReadTimeout},
			{"untag", Timeouts{}, "DELETE", "https://r.test/acr/v1/a/_tags/t", DefaultWriteTimeout},
			{"upload", Timeouts{}, "PUT", "https://r.test/v2/a/manifests/t", DefaultWriteTimeout},
			{"http.timeout, read", TimeoutsOr(3 * time.Second), "GET", "https://r.test/v2/a/manifests/t", 3 * time.Second},
			{"http.timeout, write", TimeoutsOr(3 * time.Second), "DELETE", "https://r.test/v2/a/manifests/t", 3 * time.Second},
		} {
			req, _ := http.NewRequest(c.method, c.url, nil)
			if got := NewTimeouts(nil, c.t).(*timeout).d(req); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}
	})
}
