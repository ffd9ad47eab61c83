package httpx

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fastClock runs speed times faster than the wall clock, so that a quota of a
// few requests a second and a Retry-After of whole seconds play out in a
// fraction of a second. The server, the pace and the retries all read it.
type fastClock struct {
	start time.Time
	speed float64
}

func (c *fastClock) now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.start)) * c.speed))
}

func (c *fastClock) sleep(ctx context.Context, d time.Duration) error {
	return SleepContext(ctx, time.Duration(float64(d)/c.speed))
}

// quotaServer enforces a quota as a token bucket: burst requests at once, then
// perSecond; past it, 429 with the Retry-After (whole seconds) until a token.
type quotaServer struct {
	clock     *fastClock
	perSecond float64
	burst     float64

	mu        sync.Mutex
	tokens    float64
	last      time.Time
	served    int
	throttled int
}

func (q *quotaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	now := q.clock.now()
	if q.last.IsZero() {
		q.tokens, q.last = q.burst, now
	}
	q.tokens = math.Min(q.burst, q.tokens+now.Sub(q.last).Seconds()*q.perSecond)
	q.last = now
	if q.tokens < 1 {
		q.throttled++
		wait := math.Ceil((1 - q.tokens) / q.perSecond)
		q.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(wait)))
		http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS"}]}`, http.StatusTooManyRequests)
		return
	}
	q.tokens--
	q.served++
	q.mu.Unlock()
	_, _ = fmt.Fprint(w, `{"name":"app","tags":["pr-1"]}`)
}

// sweepQuota sends requests GETs from clients goroutines at once through
// stack(transport) to a server allowing 10 a second with a burst of 20, and
// returns how many 429s the server answered.
func sweepQuota(t *testing.T, clk *fastClock, clients, requests int, stack func(http.RoundTripper) http.RoundTripper) int {
	t.Helper()
	q := &quotaServer{clock: clk, perSecond: 10, burst: 20}
	srv := httptest.NewServer(q)
	defer srv.Close()
	base, err := NewBaseTransport("", false)
	if err != nil {
		t.Fatal(err)
	}
	defer base.CloseIdleConnections()
	rt := stack(base)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < requests; i += clients {
				if err := get(t, rt, "GET", fmt.Sprintf("%s/v2/app%d/tags/list", srv.URL, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if q.served != requests {
		t.Errorf("the server served %d requests, want %d", q.served, requests)
	}
	return q.throttled
}

func TestQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of requests")
	}
	const clients, requests = 12, 240 // 24 s of quota, under a second of wall time
	newClock := func() *fastClock { return &fastClock{start: time.Now(), speed: 40} }
	retrying := func(clk *fastClock, next http.RoundTripper) http.RoundTripper {
		return NewRetry(next, WithAttempts(20), WithSleep(clk.sleep), WithClock(clk.now))
	}
	limited := func(clk *fastClock, perMinute float64) func(http.RoundTripper) http.RoundTripper {
		lim := NewLimiter(Limits{Concurrency: clients, ReadsPerMinute: perMinute},
			WithLimiterClock(clk.now, clk.sleep), WithQuietPeriod(3*time.Second), WithRateWindow(2*time.Second))
		return func(base http.RoundTripper) http.RoundTripper { return retrying(clk, lim.Registry(base)) }
	}

	// Without the shared pace each request waits out its own 429s and comes
	// back: the 429s grow with the sweep. This is what the adaptive pace beats.
	clk := newClock()
	naive := sweepQuota(t, clk, clients, requests, func(base http.RoundTripper) http.RoundTripper { return retrying(clk, base) })
	// A few: the requests in flight when the first 429s come (up to two rounds of
	// the clients: three 429s within a second show a quota, and the slots of the
	// granted ones turn over meanwhile), and about one for each later probe of
	// the quota.
	const fewAtMost = 2*clients + 10
	t.Logf("retries alone: %d 429s", naive)
	if naive < 3*fewAtMost {
		t.Errorf("retries alone met %d 429s; the quota is too loose to show anything", naive)
	}

	t.Run("paced at the configured rate: no 429", func(t *testing.T) {
		clk := newClock()
		if got := sweepQuota(t, clk, clients, requests, limited(clk, 600)); got != 0 {
			t.Errorf("%d 429s at the quota's own rate, want none", got)
		}
	})
	t.Run("no configured rate: the 429s slow everyone", func(t *testing.T) {
		clk := newClock()
		got := sweepQuota(t, clk, clients, requests, limited(clk, 0))
		t.Logf("adaptive pace: %d 429s", got)
		if got > fewAtMost {
			t.Errorf("%d 429s, want a few (at most %d; retries alone met %d)", got, fewAtMost, naive)
		}
	})
}
