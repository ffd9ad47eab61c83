package httpx

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gateTransport holds every request until the test opens the gate, and records
// how many were inside at once.
type gateTransport struct {
	mu       sync.Mutex
	inside   int
	peak     int
	entered  chan struct{}
	gate     chan struct{}
	status   int
	deadline []time.Time
}

func newGate(status int) *gateTransport {
	return &gateTransport{entered: make(chan struct{}, 100), gate: make(chan struct{}), status: status}
}

func (g *gateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.inside++
	g.peak = max(g.peak, g.inside)
	if d, ok := req.Context().Deadline(); ok {
		g.deadline = append(g.deadline, d)
	}
	g.mu.Unlock()
	g.entered <- struct{}{}
	<-g.gate
	g.mu.Lock()
	g.inside--
	g.mu.Unlock()
	return &http.Response{StatusCode: g.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
}

// fakeClock is a clock whose sleep moves it on at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

func get(t *testing.T, rt http.RoundTripper, method, url string) error {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func TestLimiterBoundsRequestsInFlight(t *testing.T) {
	lim := NewLimiter(Limits{Concurrency: 3})
	g := newGate(200)
	reg, src := lim.Registry(g), lim.Source(g) // one budget for both sides
	var wg sync.WaitGroup
	for i := range 12 {
		rt := reg
		if i%3 == 0 {
			rt = src
		}
		wg.Go(func() {
			if err := get(t, rt, "GET", "https://r.test/v2/app/tags/list"); err != nil {
				t.Error(err)
			}
		})
	}
	for range 3 {
		<-g.entered
	}
	close(g.gate)
	wg.Wait()
	if g.peak != 3 {
		t.Errorf("%d requests in flight at once, want the limit, 3", g.peak)
	}
	s := lim.Stats()
	if s.PeakInFlight != 3 || s.Total() != 12 || s.Registry() != 8 {
		t.Errorf("stats: peak %d, total %d, registry %d; want 3, 12, 8", s.PeakInFlight, s.Total(), s.Registry())
	}
}

func TestLimiterSlotHeldUntilTheBodyIsDone(t *testing.T) {
	lim := NewLimiter(Limits{Concurrency: 1})
	rt := lim.Registry(&fakeTransport{script: []outcome{{status: 200}}})
	req, _ := http.NewRequest("DELETE", "https://r.test/v2/app/manifests/sha256:abc", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	second, _ := http.NewRequestWithContext(ctx, "GET", "https://r.test/v2/", nil)
	if _, err := rt.RoundTrip(second); err == nil {
		t.Fatal("a second request got a slot while the first one's body was open")
	}
	_, _ = io.Copy(io.Discard, resp.Body) // the end of the body frees the slot, before Close
	if err := get(t, rt, "GET", "https://r.test/v2/"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := get(t, rt, "GET", "https://r.test/v2/"); err != nil {
		t.Fatal(err) // a second release (Close after EOF) must not free a slot twice
	}
	if s := lim.Stats(); s.PeakInFlight != 1 {
		t.Errorf("peak in flight %d, want 1", s.PeakInFlight)
	}
}

func TestLimiterRetryWaitHoldsNoSlot(t *testing.T) {
	// One slot. The first request is answered 429; while its retry waits, a
	// second request must get the slot, or the sweep would stall on throttling.
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	lim := NewLimiter(Limits{Concurrency: 1}, WithLimiterClock(clk.now, clk.sleep))
	ft := &fakeTransport{script: []outcome{{status: 429, header: hdr("Retry-After", "1")}, {status: 200}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard against a hang, not a measure
	defer cancel()
	other := make(chan error, 1)
	sleep := func(ctx context.Context, d time.Duration) error {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "https://r.test/v2/other/tags/list", nil)
			resp, err := lim.Registry(ft).RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			other <- err
		}()
		return <-other
	}
	rt := NewRetry(lim.Registry(ft), WithSleep(sleep))
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://r.test/v2/app/tags/list", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("the other request did not get the slot while this one waited to retry: %v", err)
	}
	resp.Body.Close()
	want := map[Key]int64{{"GET", KindTags}: 3}
	if s := lim.Stats(); !cmp.Equal(s.Requests, want) || s.TooMany() != 1 {
		t.Errorf("requests %v, 429s %d; want %v and 1", s.Requests, s.TooMany(), want)
	}
}

func TestLimiterQueueIsNotPartOfTheAttempt(t *testing.T) {
	// The attempt's deadline starts when it gets its slot, not when it queued.
	lim := NewLimiter(Limits{Concurrency: 1})
	g := newGate(200)
	const read = time.Hour
	rt := lim.Registry(NewTimeouts(g, Timeouts{Read: read}))
	first := make(chan error, 1)
	go func() { first <- get(t, rt, "GET", "https://r.test/v2/a/tags/list") }()
	<-g.entered
	second := make(chan error, 1)
	go func() { second <- get(t, rt, "GET", "https://r.test/v2/b/tags/list") }()
	// The second waits for the slot; let the first go, and note when.
	for lim.waiting() == 0 {
		runtime.Gosched()
	}
	released := time.Now()
	close(g.gate)
	<-g.entered
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if d := g.deadline[1]; d.Before(released.Add(read)) {
		t.Errorf("the queued attempt's deadline %s was set before it got its slot (%s + %s)", d, released, read)
	}
}

func TestLimiterCounts(t *testing.T) {
	lim := NewLimiter(Limits{Concurrency: 4})
	ft := &fakeTransport{script: []outcome{{status: 200}}}
	reg := lim.Registry(ft)
	for _, r := range []struct{ method, url string }{
		{"GET", "https://r.test/v2/"},
		{"GET", "https://r.test/v2/_catalog"},
		{"GET", "https://r.test/v2/app/tags/list"},
		{"HEAD", "https://r.test/v2/app/manifests/pr-1"},
		{"HEAD", "https://r.test/v2/app/manifests/pr-2"},
		{"DELETE", "https://r.test/v2/app/manifests/sha256:abc"},
		{"GET", "https://r.test/v2/app/referrers/sha256:abc"},
		{"GET", "https://auth.r.test/token?scope=x"},
	} {
		if err := get(t, reg, r.method, r.url); err != nil {
			t.Fatal(err)
		}
	}
	if err := get(t, lim.Source(ft), "GET", "https://dev.azure.com/o/p/_apis/git/pullrequests/1"); err != nil {
		t.Fatal(err)
	}
	want := map[Key]int64{
		{"GET", KindPing}: 1, {"GET", KindCatalog}: 1, {"GET", KindTags}: 1, {"HEAD", KindManifest}: 2,
		{"DELETE", KindManifest}: 1, {"GET", KindReferrers}: 1, {"GET", KindToken}: 1, {"GET", KindSource}: 1,
	}
	s := lim.Stats()
	if d := cmp.Diff(want, s.Requests); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if s.Total() != 9 || s.Registry() != 8 || s.TooMany() != 0 {
		t.Errorf("total %d, registry %d, 429s %d", s.Total(), s.Registry(), s.TooMany())
	}
	var none *Limiter
	if none.Registry(ft) != ft || none.Source(ft) != ft || none.Stats().Total() != 0 {
		t.Error("a nil Limiter must pass requests through and count nothing")
	}
}

// An unpaced class sends initialWindow requests at once, then one more for each
// answer: a registry with a quota it has not told meets a few requests, not
// every slot at once.
func TestLimiterSlowStart(t *testing.T) {
	lim := NewLimiter(Limits{Concurrency: 12})
	g := newGate(200)
	rt := lim.Registry(g)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if err := get(t, rt, "DELETE", "https://r.test/acr/v1/app/_tags/pr-1"); err != nil {
				t.Error(err)
			}
		})
	}
	for range initialWindow {
		<-g.entered
	}
	for waiting(lim.writes.slow) < 12-initialWindow {
		runtime.Gosched() // until the others wait for the window
	}
	g.mu.Lock()
	inside := g.inside
	g.mu.Unlock()
	if inside != initialWindow {
		t.Fatalf("%d requests sent before any was answered, want %d", inside, initialWindow)
	}
	close(g.gate)
	wg.Wait()
	if g.peak != initialWindow {
		t.Errorf("peak %d in flight, want %d", g.peak, initialWindow)
	}
	// One more in flight for each window's worth of answers: 4 answers make it
	// 5, 5 more make it 6.
	if w, off := window(lim.writes.slow); w != initialWindow+2 || off {
		t.Errorf("after twelve answers: a window of %d (bound lifted %v), want %d", w, off, initialWindow+2)
	}
}

// The window grows by one for each window's worth of answers other than 429
// (TCP's congestion avoidance: when a quota's first 429s come, about a window
// is in flight, not twice that), and the bound goes once it reaches the
// concurrency.
func TestSlowStartGrowsByOnePerWindow(t *testing.T) {
	s := newSlowStart(12)
	answers, want := 0, 0
	for w := initialWindow; w < 12; w++ {
		want += w
	}
	for i := 0; !s.off && i < 1000; i++ {
		if ok, _ := s.enter(t.Context()); !ok {
			t.Fatal("a request did not count in flight before the bound was lifted")
		}
		throttled := i%7 == 6 // a 429 now and then grows nothing
		s.leave(throttled)
		if !throttled {
			answers++
		}
	}
	if answers != want {
		t.Errorf("the bound was lifted after %d answers, want %d (%d, then one more per window)", answers, want, initialWindow)
	}
	if ok, _ := s.enter(t.Context()); ok {
		t.Error("a request counted in flight after the bound was lifted")
	}
}

func window(s *slowStart) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.window, s.off
}

func waiting(s *slowStart) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}
