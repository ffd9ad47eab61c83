package httpx

import (
	"context"
	"math"
	"testing"
	"time"
)

func newTestPacer(perMinute float64) (*pacer, *fakeClock) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	cfg := defaultPaceConfig()
	cfg.now, cfg.sleep = clk.now, clk.sleep
	return newPacer("reads", perMinute, cfg), clk
}

func admitN(t *testing.T, p *pacer, n int) []time.Time {
	t.Helper()
	var out []time.Time
	for range n {
		at, err := p.admit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, at)
	}
	return out
}

func gaps(ts []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i].Sub(ts[i-1]))
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

func TestPacerConfiguredRate(t *testing.T) {
	p, _ := newTestPacer(60)
	for i, g := range gaps(admitN(t, p, 5)) {
		if g != time.Second {
			t.Errorf("gap %d = %s, want 1s at 60 a minute", i, g)
		}
	}
}

func TestPacerThrottled(t *testing.T) {
	p, clk := newTestPacer(120)
	first := admitN(t, p, 2)
	if got, cut := p.throttled(first[1], 5*time.Second); !cut || !near(got, 60) {
		t.Fatalf("after a 429: %g a minute (cut %v), want half of 120", got, cut)
	}
	cutAt := clk.now()
	// Another 429 of a request sent before the cut is the same event.
	if _, cut := p.throttled(first[0], 0); cut {
		t.Error("a 429 of a request sent before the cut cut the rate again")
	}
	next := admitN(t, p, 3)
	if next[0].Before(cutAt.Add(5 * time.Second)) {
		t.Errorf("admitted %s after the 429, within its Retry-After of 5s", next[0].Sub(cutAt))
	}
	for i, g := range gaps(next) {
		if g != time.Second {
			t.Errorf("gap %d = %s, want 1s at 60 a minute", i, g)
		}
	}
	if _, cut := p.throttled(next[2], time.Hour); !cut {
		t.Fatal("a 429 after the cut did not cut again")
	}
	if held := p.hold.Sub(clk.now()); held != DefaultMaxRetryAfter {
		t.Errorf("a Retry-After of an hour holds for %s, want the cap %s", held, DefaultMaxRetryAfter)
	}
}

func TestPacerGrowsBackAfterQuiet(t *testing.T) {
	p, clk := newTestPacer(120)
	at := admitN(t, p, 1)
	p.throttled(at[0], 0) // 60 a minute; grows fast up to 0.9 × 120, then by 5%
	want := []float64{75, 93.75, 108, 113.4, 119.07, 120, 120}
	for i, w := range want {
		clk.sleep(context.Background(), DefaultQuietPeriod)
		admitN(t, p, 1)
		if got := p.perMinute(); !near(got, w) {
			t.Errorf("after %d quiet periods: %g a minute, want %g", i+1, got, w)
		}
	}
}

// Sporadic 429s (one answer in fifty, Retry-After 1s) of a busy unpaced sweep
// are passing refusals: nothing is paced, nobody is held.
func TestPacerIgnoresSporadic429s(t *testing.T) {
	p, clk := newTestPacer(0)
	for i := range 5000 { // a thousand a second for five seconds
		at := admitN(t, p, 1)[0]
		if i%50 == 49 {
			if _, cut := p.throttled(at, time.Second); cut {
				t.Fatalf("request %d: a sporadic 429 cut the pace", i)
			}
		} else {
			p.served()
		}
		clk.sleep(context.Background(), time.Millisecond)
	}
	if p.perMinute() != 0 || p.hold.After(clk.now().Add(-time.Second)) {
		t.Errorf("paced at %g a minute, held until %s", p.perMinute(), p.hold)
	}
}

func TestPacerStartsAtHalfTheObservedRate(t *testing.T) {
	p, clk := newTestPacer(0)
	var last time.Time
	for range 10 { // ten requests in a second, unpaced
		last = admitN(t, p, 1)[0]
		if d := clk.now().Sub(last); d != 0 {
			t.Fatalf("an unpaced request waited %s", d)
		}
		clk.sleep(context.Background(), 100*time.Millisecond)
	}
	if p.perMinute() != 0 {
		t.Fatal("paced before any 429")
	}
	for range minDenied - 1 {
		if _, cut := p.throttled(last, 0); cut {
			t.Fatal("a lone 429 paced an unpaced sweep")
		}
	}
	if got, cut := p.throttled(last, 0); !cut || !near(got, 300) {
		t.Errorf("after %d 429s: %g a minute, want half of the 600 observed", minDenied, got)
	}
}

// bucket is a registry's quota as ACR's fake serves it: burst requests at
// once, then perSecond; past it, a 429 with the whole seconds until a token.
type bucket struct {
	perSecond, burst, tokens float64
	last                     time.Time
}

func (b *bucket) take(now time.Time) (ok bool, retryAfter time.Duration) {
	if b.last.IsZero() {
		b.tokens, b.last = b.burst, now
	}
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration(math.Ceil((1-b.tokens)/b.perSecond)) * time.Second
}

// TestPacerLearnsTheQuota sends 300 requests, 8 at a time, 10 ms each, through an
// unpaced pacer to a quota of 8⅓ a second (ACR Standard's writes) with a burst of
// 8: the pace learns the quota from its first 429s and the sweep lands near the
// quota's floor, with few 429s.
func TestPacerLearnsTheQuota(t *testing.T) {
	p, clk := newTestPacer(0)
	q := &bucket{perSecond: 500.0 / 60, burst: 8}
	start := clk.now()
	const total, inFlight = 300, 8
	left, tooMany := total, 0
	for left > 0 {
		var sent []time.Time
		for range min(inFlight, left) {
			sent = append(sent, admitN(t, p, 1)[0])
		}
		clk.sleep(context.Background(), 10*time.Millisecond)
		for _, at := range sent {
			if ok, wait := q.take(at); ok {
				p.served()
				left--
			} else {
				tooMany++
				p.throttled(at, wait)
			}
		}
	}
	took := clk.now().Sub(start)
	floor := time.Duration((total - q.burst) / q.perSecond * float64(time.Second))
	t.Logf("%d requests in %s (floor %s), %d 429s, pace %g a minute", total, took, floor, tooMany, p.perMinute())
	if tooMany > 2*inFlight {
		t.Errorf("%d 429s, want a few (the first requests in flight)", tooMany)
	}
	if took > floor*110/100 {
		t.Errorf("took %s, more than 10%% over the quota's floor %s", took, floor)
	}
}
