package httpx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Limits are what one Limiter enforces across a whole sweep.
type Limits struct {
	// Concurrency bounds the requests in flight at once, registry and sources
	// together, from the moment one is sent until its body is read or closed.
	// 0 or less: no bound.
	Concurrency int
	// ReadsPerMinute and WritesPerMinute pace the registry's reads (GET, HEAD)
	// and writes (DELETE, PUT, POST, PATCH). 0: unpaced until the registry
	// answers 429.
	ReadsPerMinute, WritesPerMinute float64
}

// Limiter is the sweep's one budget for requests: a bound on requests in
// flight, shared by every adapter, and a pace for the registry's reads and
// writes that a 429 slows for everyone (see pacer). It counts requests by method
// and kind. Its layers (Registry, Source) go under the retry layer and over the
// per-attempt time-out: a request waiting to be retried holds no slot, and time
// spent waiting for a slot or for the pace is not part of an attempt's time-out.
// A nil *Limiter limits and counts nothing. It is safe for concurrent use.
type Limiter struct {
	slots         chan struct{} // nil: no bound
	reads, writes *pacer
	cfg           *paceConfig

	mu        sync.Mutex
	requests  map[Key]int64
	throttled map[Key]int64
	inFlight  int
	peak      int
	queued    int // waiting for a slot
}

// NewLimiter returns a Limiter enforcing l.
func NewLimiter(l Limits, opts ...LimiterOption) *Limiter {
	cfg := defaultPaceConfig()
	for _, o := range opts {
		o(cfg)
	}
	lim := &Limiter{
		reads:     newPacer("reads", l.ReadsPerMinute, cfg),
		writes:    newPacer("writes", l.WritesPerMinute, cfg),
		cfg:       cfg,
		requests:  map[Key]int64{},
		throttled: map[Key]int64{},
	}
	if l.Concurrency > 0 {
		lim.slots = make(chan struct{}, l.Concurrency)
	}
	for _, p := range []*pacer{lim.reads, lim.writes} {
		if p.lim == nil {
			p.slow = newSlowStart(l.Concurrency)
		}
	}
	return lim
}

// Registry wraps a registry adapter's transport: its requests take a slot, are
// paced as reads or writes (token requests are not), and its 429s slow the pace.
// Put it between NewRetry and NewTimeout. A nil l returns next unchanged.
func (l *Limiter) Registry(next http.RoundTripper) http.RoundTripper {
	if l == nil {
		return orDefault(next)
	}
	return &limited{l: l, next: orDefault(next), registry: true}
}

// Source wraps a source-control adapter's transport: its requests take a slot
// and count as KindSource; the registry's pace does not apply to them.
func (l *Limiter) Source(next http.RoundTripper) http.RoundTripper {
	if l == nil {
		return orDefault(next)
	}
	return &limited{l: l, next: orDefault(next)}
}

type limited struct {
	l        *Limiter
	next     http.RoundTripper
	registry bool
}

func (t *limited) RoundTrip(req *http.Request) (*http.Response, error) {
	l := t.l
	key := Key{Method: req.Method, Kind: KindSource}
	var p *pacer
	if t.registry {
		key = Classify(req)
		if paced(key.Kind) {
			p = l.reads
			if isWrite(req, key.Kind) {
				p = l.writes
			}
		}
	}
	var started bool // counted by the class's slow start: leave when answered
	if p != nil && p.slow != nil {
		var err error
		if started, err = p.slow.enter(req.Context()); err != nil {
			return nil, fmt.Errorf("waiting for the registry's first answers to send %s %s: %w", req.Method, stripQuery(req.URL), err)
		}
	}
	var admitted time.Time
	if p != nil {
		var err error
		if admitted, err = p.admit(req.Context()); err != nil {
			if started {
				p.slow.leave(false)
			}
			return nil, fmt.Errorf("waiting for the registry's pace to send %s %s: %w", req.Method, stripQuery(req.URL), err)
		}
	}
	if err := l.acquire(req.Context()); err != nil {
		if started {
			p.slow.leave(false)
		}
		return nil, fmt.Errorf("waiting for a free request slot to send %s %s: %w", req.Method, stripQuery(req.URL), err)
	}
	l.record(l.requests, key)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		if started {
			p.slow.leave(false)
		}
		l.release()
		return nil, err
	}
	throttled := resp.StatusCode == http.StatusTooManyRequests
	if throttled {
		l.record(l.throttled, key)
		if p != nil {
			l.slowDown(req, p, admitted, resp)
		}
	} else if p != nil {
		p.served()
	}
	if started { // after the pace took the answer: whoever it wakes meets the new pace
		p.slow.leave(throttled)
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		l.release()
		return resp, nil
	}
	resp.Body = &releasing{ReadCloser: resp.Body, release: l.release}
	return resp, nil
}

func (l *Limiter) slowDown(req *http.Request, p *pacer, admitted time.Time, resp *http.Response) {
	wait, _ := parseRetryAfter(resp.Header.Get("Retry-After"), l.cfg.now())
	if perMinute, cut := p.throttled(admitted, wait); cut {
		l.cfg.log.LogAttrs(req.Context(), slog.LevelInfo, "the registry is throttling: slowing the sweep down",
			slog.String("pacing", p.name), slog.Float64("perMinute", perMinute),
			slog.Duration("retryAfter", wait), slog.String("url", stripQuery(req.URL)))
	}
}

func (l *Limiter) acquire(ctx context.Context) error {
	if l.slots != nil {
		l.mu.Lock()
		l.queued++
		l.mu.Unlock()
		var err error
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			err = ctx.Err()
		}
		l.mu.Lock()
		l.queued--
		l.mu.Unlock()
		if err != nil {
			return err
		}
	}
	l.mu.Lock()
	l.inFlight++
	l.peak = max(l.peak, l.inFlight)
	l.mu.Unlock()
	return nil
}

// waiting returns how many requests wait for a slot.
func (l *Limiter) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queued
}

func (l *Limiter) release() {
	l.mu.Lock()
	l.inFlight--
	l.mu.Unlock()
	if l.slots != nil {
		<-l.slots
	}
}

func (l *Limiter) record(m map[Key]int64, k Key) {
	l.mu.Lock()
	m[k]++
	l.mu.Unlock()
}

// releasing gives the slot back once the body is read to its end or closed,
// whichever comes first.
type releasing struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasing) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *releasing) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
