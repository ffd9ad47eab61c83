package bench

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Meter stands in front of one side (the registry, the source, the Entra
// authority): it delays every request by the latency, answers 429 where the quota
// is spent, and counts requests by kind.
type Meter struct {
	latency  time.Duration
	limit    *limiter // nil: no quota
	classify func(*http.Request) string
	exempt   func(*http.Request) bool // outside the quota (sign-in)
	faults   *injector                // nil: none

	mu       sync.Mutex
	counts   map[string]int
	upstream map[string]time.Duration // time the upstream took, by kind
	statuses map[string]int           // "2xx", "404", "4xx", "429", "5xx"
	held     int                      // requests held by an injected fault
	prs      map[string]bool          // distinct pull requests read (source)
	inFlight int
	peak     int
}

// Counts is what a Meter saw.
type Counts struct {
	ByKind     map[string]int           `json:"byKind"`
	Upstream   map[string]time.Duration `json:"upstream"` // summed over the requests of each kind
	Statuses   map[string]int           `json:"statuses"`
	Total      int                      `json:"total"`
	Throttled  int                      `json:"throttled"`      // answered 429 (by the quota, the upstream or a fault)
	Held       int                      `json:"held,omitempty"` // held by an injected fault
	DistinctPR int                      `json:"distinctPR"`
	PeakFlight int                      `json:"peakInFlight"`
}

func newMeter(latency time.Duration, q Quota, classify func(*http.Request) string) *Meter {
	m := &Meter{latency: latency, classify: classify, exempt: func(*http.Request) bool { return false }}
	if q.active() {
		m.limit = newLimiter(q, time.Now)
	}
	m.Reset()
	return m
}

// Reset forgets what was counted.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts, m.upstream, m.statuses, m.prs = map[string]int{}, map[string]time.Duration{}, map[string]int{}, map[string]bool{}
	m.held = 0
	m.peak = m.inFlight
}

// Snapshot returns the counts so far.
func (m *Meter) Snapshot() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := Counts{ByKind: map[string]int{}, Upstream: map[string]time.Duration{}, Statuses: map[string]int{},
		DistinctPR: len(m.prs), PeakFlight: m.peak, Throttled: m.statuses["429"], Held: m.held}
	for k, n := range m.counts {
		c.ByKind[k] = n
		c.Total += n
	}
	for k, d := range m.upstream {
		c.Upstream[k] = d
	}
	for k, n := range m.statuses {
		c.Statuses[k] = n
	}
	return c
}

// Wrap puts the meter in front of h.
func (m *Meter) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := m.classify(r)
		m.begin(kind, r)
		defer m.end()
		f := m.faults.draw()
		if f.hold > 0 {
			m.mu.Lock()
			m.held++
			m.mu.Unlock()
		}
		if d := m.latency + f.hold; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if f.status != 0 {
			m.status(statusClass(f.status))
			f.answer(w)
			return
		}
		if m.limit != nil && !m.exempt(r) {
			if ok, wait := m.limit.admit(r.Method); !ok {
				m.status("429")
				w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests: the registry's operations per minute were exceeded"}]}`))
				return
			}
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h.ServeHTTP(sw, r)
		m.mu.Lock()
		m.upstream[kind] += time.Since(start)
		m.mu.Unlock()
		m.status(statusClass(sw.status))
	})
}

func (m *Meter) begin(kind string, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[kind]++
	if kind == KindPR {
		m.prs[r.URL.Path] = true
	}
	m.inFlight++
	m.peak = max(m.peak, m.inFlight)
}

func (m *Meter) end() {
	m.mu.Lock()
	m.inFlight--
	m.mu.Unlock()
}

func (m *Meter) status(class string) {
	m.mu.Lock()
	m.statuses[class]++
	m.mu.Unlock()
}

func statusClass(s int) string {
	switch {
	case s == http.StatusNotFound, s == http.StatusTooManyRequests:
		return strconv.Itoa(s)
	case s >= 500:
		return "5xx"
	case s >= 400:
		return "4xx"
	case s >= 300:
		return "3xx"
	}
	return "2xx"
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(s int) {
	if !w.wrote {
		w.status, w.wrote = s, true
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// signIn reports whether r is a sign-in request of the ACR login server, which
// the quota leaves alone.
func signIn(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/oauth2/") }
