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
	if got, cut := p.throttled(last, 0); !cut || !near(got, 300) {
		t.Errorf("after the first 429: %g a minute, want half of the 600 observed", got)
	}
}
