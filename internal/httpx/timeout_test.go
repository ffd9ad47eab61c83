package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// ctxTransport records the context each attempt was sent with.
type ctxTransport struct {
	ctx  context.Context
	err  error
	body io.ReadCloser
}

func (c *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.ctx = req.Context()
	if c.err != nil {
		return nil, c.err
	}
	return &http.Response{StatusCode: 200, Body: c.body, Header: http.Header{}}, nil
}

func TestTimeout(t *testing.T) {
	t.Run("each attempt gets a deadline; closing the body releases it", func(t *testing.T) {
		ct := &ctxTransport{body: io.NopCloser(strings.NewReader("hello"))}
		req, _ := http.NewRequest("GET", "https://example.test/", nil)
		resp, err := NewTimeout(ct, time.Hour).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ct.ctx.Deadline(); !ok {
			t.Fatal("attempt context has no deadline")
		}
		if ct.ctx.Err() != nil {
			t.Fatal("attempt context cancelled before the body was read")
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "hello" {
			t.Errorf("body = %q", b)
		}
		resp.Body.Close()
		if !errors.Is(ct.ctx.Err(), context.Canceled) {
			t.Errorf("attempt context after Close: %v, want cancelled", ct.ctx.Err())
		}
		if req.Context().Err() != nil {
			t.Error("the caller's context was cancelled")
		}
	})
	t.Run("an error releases the deadline", func(t *testing.T) {
		ct := &ctxTransport{err: io.EOF}
		req, _ := http.NewRequest("GET", "https://example.test/", nil)
		if _, err := NewTimeout(ct, time.Hour).RoundTrip(req); !errors.Is(err, io.EOF) {
			t.Fatalf("err = %v", err)
		}
		if ct.ctx.Err() == nil {
			t.Error("attempt context left running after an error")
		}
	})
	t.Run("zero duration is no layer", func(t *testing.T) {
		ct := &ctxTransport{}
		if NewTimeout(ct, 0) != http.RoundTripper(ct) {
			t.Error("NewTimeout(rt, 0) should return rt")
		}
	})
}

func TestTimeoutAgainstAServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = io.WriteString(w, strings.Repeat("b", 1<<20))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	// short: the slow handler always outlives it; long: no body read on a busy
	// machine can outlive it, and it still gives each RoundTrip a deadline.
	short := &http.Client{Transport: NewTimeout(nil, 50*time.Millisecond)}
	long := &http.Client{Transport: NewTimeout(nil, time.Minute)}

	t.Run("slow headers time out", func(t *testing.T) {
		_, err := short.Get(srv.URL + "/slow")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timing out after 50ms") {
			t.Fatalf("err = %v, want a deadline error naming the timeout", err)
		}
	})
	t.Run("the body is readable after RoundTrip returns", func(t *testing.T) {
		resp, err := long.Get(srv.URL + "/big")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || len(b) != 1<<20 {
			t.Fatalf("read %d bytes, err %v", len(b), err)
		}
	})
	t.Run("the caller's cancellation is not called a timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
		_, err := short.Do(req)
		if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "timing out") {
			t.Fatalf("err = %v", err)
		}
	})
}
