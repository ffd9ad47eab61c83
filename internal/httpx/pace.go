package httpx

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// How the pace adapts to 429s. Before any pace, a lone 429 is a passing refusal
// that only its own request waits out (the retry layer); several within a
// second, a tenth of the answers or more, show a quota. From then on, each 429
// makes the pace learn the registry's quota from the rate it granted lately:
// answers other than 429, over the rate window and at least minSpan, counted
// once the 429's Retry-After has passed, so that the answers still in flight
// count too. The first time, that is the registry's first burst, taken whole:
// it says how big the registry's bucket is rather than how fast it refills, so
// until a 429 meets the sweep at a pace, the rate grows by growth every tenth of
// the quiet period (grow). After that, only what was granted at a pace counts,
// and the pace is gentle × that, never more than gentle × the pace that proved
// too high. Where nothing was granted it falls back to decrease × the rate that
// was throttled. Each quiet period without a 429 raises the rate by growth up to
// top and by probe above it, never above the configured rate. So a sweep
// without a configured rate settles just under the registry's quota after its
// first 429s, and one throttled by a passing neighbour finds its way back up.
const (
	decrease  = 0.5
	gentle    = 0.97
	growth    = 1.25
	probe     = 1.05
	ceiling   = 0.9
	minRate   = rate.Limit(0.1) // one request every ten seconds: a cut never stops a sweep
	minSpan   = time.Second     // the shortest time a granted rate is measured over
	minDenied = 3               // 429s within minSpan that show an unpaced sweep a quota
)

// pacer paces one class of requests (reads or writes) of a whole sweep. Without a
// configured rate it lets everything through until the first 429.
type pacer struct {
	name string     // "reads" or "writes", for the log
	set  rate.Limit // configured rate; 0: none
	cfg  *paceConfig

	mu        sync.Mutex
	lim       *rate.Limiter // nil while unpaced; replaced on each cut
	cur       rate.Limit    // current rate; rate.Inf while unpaced
	top       rate.Limit    // the rate grows fast up to this (the rate learned, or ceiling × the rate throttled), slowly above
	hold      time.Time     // nobody starts before this: a 429's Retry-After
	gen       int           // counts the changes of hold and cuts
	cut       time.Time     // when the rate was last cut: a 429 of a request admitted before it is old news
	grown     time.Time     // when the rate last changed; it grows after each quiet period since
	window    counter       // admissions, for the rate sent
	ok        counter       // answers other than 429, for the rate granted
	recent    counter       // answers other than 429 over the last minSpan
	denied    counter       // 429s over the last minSpan
	was       rate.Limit    // the rate throttled at the last cut
	learn     bool          // the last cut's rate is to be learned once its hold has passed
	late      int           // answers other than 429 since the last cut, while its rate is learned
	paced     time.Time     // when a learned pace first took over: what was granted before (a burst) is not the quota's rate
	confirmed bool          // the pace was configured or learned from what was granted at a pace, not from the first burst
	slow      *slowStart    // bounds the requests in flight until paced; nil: no bound (set by the Limiter)
}

func newPacer(name string, perMinute float64, c *paceConfig) *pacer {
	p := &pacer{name: name, cfg: c, cur: rate.Inf, top: rate.Inf, window: counter{width: c.window}, ok: counter{width: c.window},
		recent: counter{width: minSpan}, denied: counter{width: minSpan}}
	if perMinute > 0 { // paced from the start: no slow start
		p.set = rate.Limit(perMinute / 60)
		p.cur = p.set
		p.lim = rate.NewLimiter(p.cur, 1)
		p.confirmed = true
	}
	return p
}

// admit waits until a request may start and returns when it was admitted. It
// waits out each hold once, and takes a new place in the pace after a cut: what
// it waited for is what the clock's sleep said, so an instant sleep (tests)
// makes it wait for nothing.
func (p *pacer) admit(ctx context.Context) (time.Time, error) {
	held := -1 // the change whose hold this request has waited out
	for {
		p.mu.Lock()
		now := p.cfg.now()
		p.grow(now)
		gen := p.gen
		if now.Before(p.hold) && held != gen {
			held = gen
			wait := p.hold.Sub(now)
			p.mu.Unlock()
			if err := p.cfg.sleep(ctx, wait); err != nil {
				return time.Time{}, err
			}
			continue
		}
		if p.learn {
			p.learnRate(now)
		}
		if p.lim == nil {
			p.window.add(now)
			p.mu.Unlock()
			return now, nil
		}
		r := p.lim.ReserveN(now, 1)
		wait := r.DelayFrom(now)
		p.mu.Unlock()
		if err := p.cfg.sleep(ctx, wait); err != nil {
			r.CancelAt(p.cfg.now())
			return time.Time{}, err
		}
		p.mu.Lock()
		now = p.cfg.now()
		again := gen != p.gen // throttled while we waited: wait again, at the new pace
		if !again {
			p.window.add(now)
		}
		p.mu.Unlock()
		if !again {
			return now, nil
		}
	}
}

// served takes an answer other than 429: the registry granted a request.
func (p *pacer) served() {
	p.mu.Lock()
	now := p.cfg.now()
	p.ok.add(now)
	p.recent.add(now)
	if p.learn {
		p.late++
	}
	p.mu.Unlock()
}

// throttled takes a 429 to a request admitted at admitted; retryAfter is the
// wait it asked for (0: none). It returns the new rate per minute when it cut it
// (learned again, from the answers in flight, once the hold has passed).
func (p *pacer) throttled(admitted time.Time, retryAfter time.Duration) (perMinute float64, cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.now()
	p.denied.add(now)
	if p.lim == nil && !p.overQuota(now) {
		return 0, false // a passing refusal: its own request waits, nobody else
	}
	if retryAfter > 0 {
		if h := now.Add(min(retryAfter, p.cfg.maxHold)); h.After(p.hold) {
			p.hold = h
			p.gen++
		}
	}
	if admitted.Before(p.cut) {
		return 0, false // sent before the last cut: that cut answered it already
	}
	p.was = p.cur
	p.cut = now
	if p.slow != nil {
		p.slow.lift()
	}
	p.learnRate(now)
	p.learn, p.late = now.Before(p.hold), 0
	p.gen++
	return float64(p.cur) * 60, true
}

// overQuota says whether the 429s of an unpaced sweep show a quota rather than a
// passing refusal (a registry's hiccup, a neighbour's burst): at least minDenied
// over the last minSpan, and at least a tenth of the answers. A paced sweep takes
// every 429 as the quota's.
func (p *pacer) overQuota(now time.Time) bool {
	no, _ := p.denied.since(now, time.Time{})
	ok, _ := p.recent.since(now, time.Time{})
	return no >= minDenied && 10*no >= no+ok
}

// learnRate sets the pace after the cut at p.cut, from what the registry granted.
func (p *pacer) learnRate(now time.Time) {
	p.learn = false
	next := rate.Limit(0)
	unpaced := p.was == rate.Inf
	var after time.Time // count only what was granted at a learned pace, once there is one
	if !unpaced {
		after = p.paced
	}
	if n, oldest := p.ok.since(now, after); n > 0 {
		span := max(p.cut.Sub(oldest), minSpan)
		next = min(rate.Limit(float64(n)/span.Seconds()), p.was)
		if !unpaced { // a burst's rate is probed anyway (grow): no margin under it
			next *= gentle
		}
		p.top = next
	} else if !unpaced && !after.IsZero() {
		next = gentle * p.was // throttled again before anything was granted at the new pace
	} else {
		was := p.was // paced: the rate that proved too high
		if unpaced {
			was = p.window.rate(p.cut) // unpaced: what we were sending
		}
		if was == rate.Inf || was <= 0 {
			was = max(p.set, minRate)
		}
		p.top = was * ceiling
		next = was * decrease
	}
	if unpaced && p.set == 0 {
		p.paced = later(now, p.hold)
	}
	p.confirmed = !unpaced
	if p.set > 0 {
		next = min(next, p.set)
	}
	p.cur = max(next, minRate)
	// What the registry refilled during the hold, less what the answers still in
	// flight took, may go at once (at most a second's worth): a hold wastes no quota.
	refilled := float64(p.cur) * min(max(p.hold.Sub(p.cut), 0), minSpan).Seconds()
	p.lim = rate.NewLimiter(p.cur, max(1, int(refilled)-p.late))
	p.grown = later(now, p.hold)
}

// grow raises the rate for each quiet period since it last changed. A pace
// learned from the first burst is confirmed sooner: what an unpaced sweep was
// granted before its first 429s is the registry's bucket, which may hold more or
// less than a second of its rate, so until a 429 meets the sweep at a pace the
// rate is probed every tenth of the quiet period.
func (p *pacer) grow(now time.Time) {
	quiet := p.cfg.quiet
	if !p.confirmed {
		quiet /= 10
	}
	if p.lim == nil || p.grown.IsZero() || now.Sub(p.grown) < quiet {
		return
	}
	for i := 0; now.Sub(p.grown) >= quiet; i++ {
		if (p.set > 0 && p.cur >= p.set) || i == 1000 {
			p.grown = now // time spent at the configured rate earns nothing
			break
		}
		next := p.cur * probe
		switch {
		case !p.confirmed:
			next = p.cur * growth
		case p.cur < p.top:
			next = min(p.cur*growth, p.top)
		}
		if p.set > 0 {
			next = min(next, p.set)
		}
		p.cur = next
		p.grown = p.grown.Add(quiet)
	}
	p.lim.SetLimitAt(now, p.cur)
}

// perMinute is the current pace; 0 while unpaced.
func (p *pacer) perMinute() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == rate.Inf {
		return 0
	}
	return math.Round(float64(p.cur)*60*1000) / 1000 // 500, not 500.00000000000006
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// counter estimates the rate of admissions over the last width, in buckets of a
// tenth of it, or since the first admission when that is more recent.
type counter struct {
	width   time.Duration
	first   time.Time
	buckets [10]struct {
		start time.Time
		n     int
	}
}

func (c *counter) add(t time.Time) {
	if c.first.IsZero() {
		c.first = t
	}
	step := c.width / 10
	start := t.Truncate(step)
	b := &c.buckets[int(start.UnixNano()/int64(step))%len(c.buckets)]
	if !b.start.Equal(start) {
		b.start, b.n = start, 0
	}
	b.n++
}

// since returns how many were counted over the last width in buckets that start
// at after or later, and when the oldest of them may have come (the start of its
// bucket, or the first).
func (c *counter) since(now, after time.Time) (n int, oldest time.Time) {
	for _, b := range c.buckets {
		if b.n > 0 && now.Sub(b.start) < c.width && !b.start.Before(after) {
			n += b.n
			if oldest.IsZero() || b.start.Before(oldest) {
				oldest = b.start
			}
		}
	}
	return n, later(oldest, c.first)
}

// rate returns admissions per second; rate.Inf when there is nothing to go by.
func (c *counter) rate(now time.Time) rate.Limit {
	if c.first.IsZero() {
		return rate.Inf
	}
	n := 0
	for _, b := range c.buckets {
		if !b.start.IsZero() && now.Sub(b.start) < c.width {
			n += b.n
		}
	}
	span := min(now.Sub(c.first), c.width)
	if span <= 0 {
		return rate.Inf
	}
	return rate.Limit(math.Max(float64(n), 1) / span.Seconds())
}
