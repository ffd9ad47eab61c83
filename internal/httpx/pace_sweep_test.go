package httpx

import (
	"context"
	"sort"
	"testing"
	"time"
)

// simulateQuota plays one class of a sweep's requests through a pacer with its
// slow start, as the Limiter does, against q: total requests, all wanted from
// the start, at most inFlight at once, each answered latency after it was
// admitted; a 429's request is sent again once its Retry-After has passed (the
// retry layer). It returns how long the requests took and how many 429s met.
func simulateQuota(t *testing.T, q *bucket, total, inFlight int, latency time.Duration) (took time.Duration, tooMany int) {
	t.Helper()
	p, clk := newTestPacer(0)
	p.slow = newSlowStart(inFlight)
	type answer struct{ due, admitted time.Time }
	var flying []answer
	var retries []time.Time // when each 429's request may go again
	start := clk.now()
	unsent, done := total, 0
	for done < total {
		sort.Slice(flying, func(i, j int) bool { return flying[i].due.Before(flying[j].due) })
		now := clk.now()
		ready := unsent > 0
		if !ready && len(retries) > 0 && !retries[0].After(now) {
			ready = true
		}
		roomy := len(flying) < inFlight && (p.slow.off || p.slow.inFlight < p.slow.window)
		if ready && roomy && (len(flying) == 0 || flying[0].due.After(now)) {
			if unsent > 0 {
				unsent--
			} else {
				retries = retries[1:]
			}
			if !p.slow.off {
				p.slow.inFlight++
			}
			at, err := p.admit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			flying = append(flying, answer{due: at.Add(latency), admitted: at})
			continue
		}
		next := time.Time{}
		if len(flying) > 0 {
			next = flying[0].due
		}
		if len(retries) > 0 && (next.IsZero() || retries[0].Before(next)) && roomy {
			next = retries[0]
		}
		if d := next.Sub(now); d > 0 {
			_ = clk.sleep(context.Background(), d)
		}
		if len(flying) == 0 || flying[0].due.After(clk.now()) {
			continue
		}
		a := flying[0]
		flying = flying[1:]
		slowed := !p.slow.off
		if ok, wait := q.take(a.admitted); ok {
			p.served()
			done++
			if slowed {
				p.slow.leave(false)
			}
		} else {
			tooMany++
			p.throttled(a.admitted, wait)
			if slowed {
				p.slow.leave(true)
			}
			retries = append(retries, clk.now().Add(wait))
			sort.Slice(retries, func(i, j int) bool { return retries[i].Before(retries[j]) })
		}
	}
	return clk.now().Sub(start), tooMany
}

// TestPacerLearnsTheQuotaWithinASweep is the benchmark's ACR sweep without a
// configured rate: 129 untags, 16 in flight, 10 ms each, against ACR Standard's
// 500 writes a minute with a second's burst. The quota must be found early
// enough to matter: a rate learned from the first burst says how big the
// registry's bucket is, not how fast it refills, and a sweep that trusts it for
// the quiet period never gets near the quota in a sweep this short.
func TestPacerLearnsTheQuotaWithinASweep(t *testing.T) {
	q := &bucket{perSecond: 500.0 / 60, burst: 500.0 / 60}
	const total = 129
	took, tooMany := simulateQuota(t, q, total, 16, 10*time.Millisecond)
	floor := time.Duration((total - q.burst) / q.perSecond * float64(time.Second))
	t.Logf("%d requests in %s (floor %s), %d 429s", total, took, floor, tooMany)
	// 5%: the benchmark's sweep spends about half a second listing and reading
	// pull requests before its first untag, and its target is 10%.
	if took > floor*105/100 {
		t.Errorf("took %s, more than 5%% over the quota's floor %s", took, floor)
	}
	if tooMany > 10 {
		t.Errorf("%d 429s, want a few", tooMany)
	}
}
