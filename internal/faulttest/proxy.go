package faulttest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// Options configure a Proxy.
type Options struct {
	// Name says which upstream the proxy stands for ("registry", "source") in
	// figures and messages.
	Name string
	// Seed drives every fault decision; the same seed and the same requests give
	// the same faults.
	Seed uint64
	// Rates says how often each kind of fault hits; nil or empty injects none.
	Rates Rates
}

// Exchange is one request through the proxy and what became of it.
type Exchange struct {
	Method, Target string // Target is the request URI: path and query
	Attempt        int    // 1 for the first request with this method and target
	Fault          Kind   // "" when none was injected
	Forwarded      bool   // the request went to the upstream, which may have acted on it
	Upstream       int    // the upstream's status; 0 when its answer was lost
	Answer         string // what the client got: a status, "reset", "closed", "held", "truncated"
	// Digest is the upstream's Docker-Content-Digest: for a PUT, the manifest
	// the tag now points at (a retag's throwaway).
	Digest string
}

func (e Exchange) String() string {
	s := fmt.Sprintf("%s %s #%d", e.Method, e.Target, e.Attempt)
	if e.Fault != "" {
		s += " [" + string(e.Fault) + "]"
	}
	switch {
	case e.Forwarded && e.Upstream == 0:
		s += " upstream answer lost"
	case e.Forwarded:
		s += fmt.Sprintf(" upstream %d", e.Upstream)
	}
	return s + " → " + e.Answer
}

// Proxy is a fault-injecting HTTP proxy in front of one upstream.
type Proxy struct {
	name     string
	upstream *url.URL
	seed     uint64
	rates    Rates
	srv      *httptest.Server
	tr       *http.Transport
	gate     gate
	stop     chan struct{}
	stopOnce sync.Once
	calm     atomic.Bool // Calm was called: no fault, no record

	mu       sync.Mutex
	attempts map[string]int
	counts   map[Kind]int
	log      []Exchange
}

// NewProxy starts a proxy on 127.0.0.1 for the upstream at upstreamURL; only its
// scheme and host are used, paths go through unchanged. Close stops it.
func NewProxy(upstreamURL string, o Options) (*Proxy, error) {
	u, err := url.Parse(upstreamURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("starting a fault proxy for %q: not a URL with a host", upstreamURL)
	}
	for k, r := range o.Rates {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("starting a fault proxy: rate %v of %s is not in [0, 1]", r, k)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	p := &Proxy{
		name: o.Name, upstream: &url.URL{Scheme: u.Scheme, Host: u.Host}, seed: o.Seed, rates: o.Rates,
		tr: tr, stop: make(chan struct{}), attempts: map[string]int{}, counts: map[Kind]int{},
	}
	p.srv = httptest.NewServer(p)
	return p, nil
}

// URL returns "http://127.0.0.1:PORT".
func (p *Proxy) URL() string { return p.srv.URL }

// Host returns "127.0.0.1:PORT".
func (p *Proxy) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// Name returns the proxy's name.
func (p *Proxy) Name() string { return p.name }

// Close releases every held request and stops the proxy. It is safe to call more
// than once.
func (p *Proxy) Close() {
	p.stopOnce.Do(func() {
		close(p.stop)
		p.srv.Close()
		p.tr.CloseIdleConnections()
	})
}

// Counts returns how many faults of each kind the proxy injected.
func (p *Proxy) Counts() map[Kind]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Kind]int, len(p.counts))
	for k, n := range p.counts {
		out[k] = n
	}
	return out
}

// Exchanges returns every request the proxy finished, in the order they ended.
func (p *Proxy) Exchanges() []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Exchange(nil), p.log...)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.gate.enter()
	defer p.gate.leave()
	kind, attempt, rng := p.decide(r)
	ex := Exchange{Method: r.Method, Target: r.URL.RequestURI(), Attempt: attempt, Fault: kind}
	defer func() { p.record(ex) }()

	switch kind {
	case ServerError:
		ex.Answer = writeError(w, []int{500, 502, 503}[rng.IntN(3)])
	case Throttle:
		w.Header().Set("Retry-After", []string{"1", "7", "300"}[rng.IntN(3)])
		ex.Answer = writeError(w, http.StatusTooManyRequests)
	case ThrottleBare:
		ex.Answer = writeError(w, http.StatusTooManyRequests)
	case Reset:
		ex.Answer = breakConn(w, rng.IntN(2) == 0)
	case Timeout:
		ex.Answer = p.hold(w, r)
	case PageFailure:
		ex.Answer = writeError(w, http.StatusInternalServerError)
	case NotFound:
		ex.Answer = writeNotFound(w, r)
	}
	if kind != "" && !kind.forwards() {
		return
	}

	// From here on the upstream may act on the request, even when its answer is
	// lost (the client gave up while the upstream worked): Forwarded says so.
	ex.Forwarded = true
	up, err := p.forward(r)
	if err != nil {
		ex.Answer = writeError(w, http.StatusBadGateway)
		return
	}
	ex.Upstream, ex.Digest = up.status, up.header.Get("Docker-Content-Digest")
	switch kind {
	case "":
		ex.Answer = up.reply(w, r)
	case Slow:
		p.gate.park(r.Context(), p.stop)
		ex.Answer = up.reply(w, r)
	case Truncated:
		ex.Answer = up.truncate(w, rng)
	case Malformed:
		ex.Answer = up.malformed(w, rng)
	case AfterForward, AfterForwardSticky:
		// Holding costs the client a whole attempt timeout: do it less often.
		switch u := rng.Float64(); {
		case u < 0.4:
			ex.Answer = writeError(w, http.StatusInternalServerError)
		case u < 0.8:
			ex.Answer = breakConn(w, rng.IntN(2) == 0)
		default:
			ex.Answer = p.hold(w, r)
		}
	case AfterForward404:
		ex.Answer = writeNotFound(w, r)
	}
}

// probeTag matches the random tag of the OCI backend's delete-capability probe:
// it is the same request in every run, so it must draw the same faults.
var probeTag = regexp.MustCompile(`prsweep-probe-[0-9a-f]+`)

// decide draws the fault for a request from its own random source, seeded by
// the proxy's seed, the method and target, and (for per-attempt kinds) the
// attempt number, so that decisions do not depend on the order of arrival.
// Calm turns the proxy into a plain, unrecorded pass-through: the fault-free sweep
// goes through it, so that it sweeps the registry under the same name (the audit log
// names it) while Exchanges keep the faulty sweep's alone.
func (p *Proxy) Calm() { p.calm.Store(true) }

func (p *Proxy) decide(r *http.Request) (Kind, int, *rand.Rand) {
	if p.calm.Load() {
		return "", 0, rand.New(rand.NewPCG(0, 0))
	}
	target := probeTag.ReplaceAllString(r.URL.Path, "prsweep-probe") + "?" + r.URL.Query().Encode()
	h := fnv.New64a()
	_, _ = h.Write([]byte(r.Method + " " + target))
	key := h.Sum64()
	p.mu.Lock()
	p.attempts[r.Method+" "+target]++
	attempt := p.attempts[r.Method+" "+target]
	p.mu.Unlock()

	kind := Kind("")
	once := rand.New(rand.NewPCG(p.seed, key))
	for _, k := range Kinds() {
		if k.sticky() && k.applies(r) && once.Float64() < p.rates[k] {
			kind = k
			break
		}
	}
	rng := rand.New(rand.NewPCG(p.seed^0x5eed, key+uint64(attempt)*0x9e3779b97f4a7c15))
	if kind == "" {
		u, sum := rng.Float64(), 0.0
		for _, k := range Kinds() {
			if k.sticky() || !k.applies(r) {
				continue
			}
			if sum += p.rates[k]; u < sum {
				kind = k
				break
			}
		}
	}
	if kind != "" {
		p.mu.Lock()
		p.counts[kind]++
		p.mu.Unlock()
	}
	return kind, attempt, rng
}

func (p *Proxy) record(ex Exchange) {
	if ex.Attempt == 0 { // calm
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, ex)
}
