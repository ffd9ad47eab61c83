package httpx

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// outcome is one scripted answer of fakeTransport.
type outcome struct {
	status int
	header http.Header
	err    error
}

// fakeTransport answers from a script, one outcome per attempt (the last one
// repeats), and records what each attempt sent and how its response ended.
type fakeTransport struct {
	mu     sync.Mutex
	script []outcome
	bodies []string        // request body per attempt
	sent   []*http.Request // request per attempt
	resps  []*trackedBody  // response body per attempt that got one
	onSend func(n int, req *http.Request)
}

func (f *fakeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.sent)
	f.sent = append(f.sent, req)
	body := ""
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		_ = req.Body.Close()
		body = string(b)
	}
	f.bodies = append(f.bodies, body)
	if f.onSend != nil {
		f.onSend(n, req)
	}
	o := f.script[min(n, len(f.script)-1)]
	if o.err != nil {
		return nil, o.err
	}
	tb := &trackedBody{Reader: strings.NewReader(strings.Repeat("x", 100))}
	f.resps = append(f.resps, tb)
	h := o.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: o.status, Header: h, Body: tb, Request: req}, nil
}

func (f *fakeTransport) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

func (b *trackedBody) drained() bool {
	n, _ := b.Reader.Read(make([]byte, 1))
	return n == 0
}

// sleepRecorder stands in for the retry sleep: it records each wait and
// returns at once, or returns err when set.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
	err   error
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	if s.err != nil {
		return s.err
	}
	return ctx.Err()
}

// maxRand makes the jitter pick the top of its range, so waits are the ceilings.
func maxRand(n int64) int64 { return n - 1 }

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}
