package bench

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults are what a meter injects, drawn per request (every attempt) from the
// data set's seed: a share of requests held for a while before they are served
// (a stuck connection the client must cut and retry), and a share answered
// 500, 503 or 429 with Retry-After 1 without reaching the registry.
type Faults struct {
	Held    float64       // share of requests held, e.g. 0.002
	HoldFor time.Duration // how long a held request is held, e.g. 60s
	Errors  float64       // share answered 500, 503 or 429, e.g. 0.05
}

// DefaultFaults are the issue's: 0.2% of requests held 60 s, 5% 5xx or 429.
var DefaultFaults = Faults{Held: 0.002, HoldFor: time.Minute, Errors: 0.05}

func (f Faults) active() bool { return f.Held > 0 || f.Errors > 0 }

// injector draws the faults of one meter.
type injector struct {
	f   Faults
	mu  sync.Mutex
	rng *rand.Rand
}

func newInjector(f Faults, seed uint64) *injector {
	return &injector{f: f, rng: rand.New(rand.NewPCG(seed, 0xfa17))}
}

// fault is what happens to one request: held for hold, then answered status
// (0: served as usual).
type fault struct {
	hold   time.Duration
	status int
}

func (in *injector) draw() fault {
	if in == nil {
		return fault{}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	x := in.rng.Float64()
	switch {
	case x < in.f.Held:
		return fault{hold: in.f.HoldFor}
	case x < in.f.Held+in.f.Errors:
		return fault{status: []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests}[in.rng.IntN(3)]}
	}
	return fault{}
}

// answer writes a fault's status, as a registry would: a JSON error body, and
// Retry-After on a 429.
func (f fault) answer(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(1))
	}
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(`{"errors":[{"code":"UNAVAILABLE","message":"injected by prsweep-bench"}]}`))
}
