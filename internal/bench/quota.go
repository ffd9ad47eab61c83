package bench

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// Quota is a registry's operations-per-minute limit, as ACR publishes them
// (Standard: 3,000 reads and 500 writes a minute): a token bucket for reads (GET,
// HEAD) and one for writes (every other method), each refilled at its rate and
// holding Burst's worth of it. A request finding its bucket empty gets 429 with
// Retry-After, the whole seconds until a token is back (at least 1), as ACR does.
type Quota struct {
	ReadsPerMinute, WritesPerMinute int           // 0: no limit
	Burst                           time.Duration // how much of the rate a full bucket holds; default 1s
}

// The SKUs' published figures (notes/api-notes.md §3.4).
var skuQuotas = map[string]Quota{
	"basic":    {ReadsPerMinute: 1000, WritesPerMinute: 100},
	"standard": {ReadsPerMinute: 3000, WritesPerMinute: 500},
	"premium":  {ReadsPerMinute: 10000, WritesPerMinute: 2000},
}

// SKUQuota returns the quota of an ACR SKU (basic, standard, premium).
func SKUQuota(sku string) (Quota, bool) {
	q, ok := skuQuotas[sku]
	return q, ok
}

func (q Quota) active() bool { return q.ReadsPerMinute > 0 || q.WritesPerMinute > 0 }

// limiter holds the buckets of a Quota.
type limiter struct {
	now           func() time.Time
	mu            sync.Mutex
	reads, writes *bucket
}

type bucket struct {
	perSecond, size, tokens float64
	last                    time.Time
}

func newLimiter(q Quota, now func() time.Time) *limiter {
	burst := q.Burst
	if burst <= 0 {
		burst = time.Second
	}
	mk := func(perMinute int) *bucket {
		if perMinute <= 0 {
			return nil
		}
		rate := float64(perMinute) / 60
		size := math.Max(1, rate*burst.Seconds())
		return &bucket{perSecond: rate, size: size, tokens: size, last: now()}
	}
	return &limiter{now: now, reads: mk(q.ReadsPerMinute), writes: mk(q.WritesPerMinute)}
}

// admit takes a token for a request of method; when there is none it returns
// how long until there is.
func (l *limiter) admit(method string) (ok bool, retryAfter time.Duration) {
	b := l.writes
	if method == http.MethodGet || method == http.MethodHead {
		b = l.reads
	}
	if b == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b.tokens = math.Min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.perSecond * float64(time.Second))
}

// retryAfterSeconds is the Retry-After value for a wait: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
