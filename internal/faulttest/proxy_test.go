package faulttest_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/faulttest"
)

// upstream answers like a registry and counts what reached it.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{hits: map[string]int{}}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits[r.Method+" "+r.URL.Path]++
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		fmt.Fprint(w, `{"name":"r","tags":["a","b","c","d"]}`)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) count(method, path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[method+" "+path]
}

// got is what a client saw of one request.
type got struct {
	status int
	header http.Header
	body   string
	err    error // from the round trip, or from reading the body
}

// heldFor is how long a client waits on a held answer: long enough that a loaded
// machine still delivers the request to the proxy first (at 50 ms one in a few
// hundred runs beside other builds never got there, and was not counted).
const heldFor = 500 * time.Millisecond

func send(t *testing.T, p *faulttest.Proxy, method, target string, timeout time.Duration) got {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, p.URL()+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return got{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return got{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

func newProxy(t *testing.T, u *upstream, seed uint64, rates faulttest.Rates) *faulttest.Proxy {
	t.Helper()
	p, err := faulttest.NewProxy(u.srv.URL, faulttest.Options{Name: "test", Seed: seed, Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// Each kind, at rate 1, does what its documentation says to the client and to
// the upstream.
func TestKinds(t *testing.T) {
	const list, manifest = "/v2/r/tags/list?n=2", "/v2/r/manifests/t"
	tests := []struct {
		kind            faulttest.Kind
		method, target  string
		reachesUpstream bool
		check           func(g got) bool
		timeout         time.Duration // the client's; held requests end with it
	}{
		{kind: faulttest.ServerError, method: "GET", target: list, check: func(g got) bool { return g.status >= 500 && g.status <= 503 }},
		{kind: faulttest.Throttle, method: "GET", target: list, check: func(g got) bool { return g.status == 429 && g.header.Get("Retry-After") != "" }},
		{kind: faulttest.ThrottleBare, method: "GET", target: list, check: func(g got) bool { return g.status == 429 && g.header.Get("Retry-After") == "" }},
		{kind: faulttest.Reset, method: "GET", target: list, check: func(g got) bool { return g.err != nil }},
		{kind: faulttest.Timeout, method: "GET", target: list, timeout: heldFor,
			check: func(g got) bool { return errors.Is(g.err, context.DeadlineExceeded) }},
		{kind: faulttest.Slow, method: "GET", target: list, reachesUpstream: true, check: func(g got) bool { return g.status == 200 && strings.Contains(g.body, `"d"`) }},
		{kind: faulttest.Truncated, method: "GET", target: list, reachesUpstream: true,
			check: func(g got) bool { return g.status == 200 && errors.Is(g.err, io.ErrUnexpectedEOF) }},
		{kind: faulttest.Malformed, method: "GET", target: list, reachesUpstream: true,
			check: func(g got) bool { return g.status == 200 && g.err == nil && !strings.Contains(g.body, `"d"`) }},
		{kind: faulttest.PageFailure, method: "GET", target: "/v2/r/tags/list?last=b&n=2", check: func(g got) bool { return g.status == 500 }},
		{kind: faulttest.AfterForward, method: "DELETE", target: manifest, reachesUpstream: true, timeout: heldFor,
			check: func(g got) bool { return g.status == 500 || g.err != nil }},
		{kind: faulttest.AfterForwardSticky, method: "DELETE", target: manifest, reachesUpstream: true, timeout: heldFor,
			check: func(g got) bool { return g.status == 500 || g.err != nil }},
		{kind: faulttest.NotFound, method: "HEAD", target: manifest, check: func(g got) bool { return g.status == 404 }},
		{kind: faulttest.NotFound, method: "DELETE", target: manifest,
			check: func(g got) bool { return g.status == 404 && strings.Contains(g.body, "MANIFEST_UNKNOWN") }},
		{kind: faulttest.NotFound, method: "GET", target: "/v2/r/blobs/sha256:1",
			check: func(g got) bool { return g.status == 404 && strings.Contains(g.body, "BLOB_UNKNOWN") }},
		{kind: faulttest.AfterForward404, method: "DELETE", target: manifest, reachesUpstream: true,
			check: func(g got) bool { return g.status == 404 && strings.Contains(g.body, "MANIFEST_UNKNOWN") }},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.method, func(t *testing.T) {
			u := newUpstream(t)
			p := newProxy(t, u, 1, faulttest.Rates{tt.kind: 1})
			for range 3 { // sticky or not, rate 1 hits every attempt
				if g := send(t, p, tt.method, tt.target, cmp.Or(tt.timeout, 5*time.Second)); !tt.check(g) {
					t.Errorf("%s %s: status %d, body %q, err %v", tt.method, tt.target, g.status, g.body, g.err)
				}
			}
			p.Close() // waits for held requests: their exchanges are recorded
			path, _, _ := strings.Cut(tt.target, "?")
			if hits := u.count(tt.method, path); (hits == 3) != tt.reachesUpstream || (hits != 0 && hits != 3) {
				t.Errorf("the upstream got %d requests; reaches upstream: %v", hits, tt.reachesUpstream)
			}
			if n := p.Counts()[tt.kind]; n != 3 {
				t.Errorf("counted %d faults of %s, want 3; exchanges %v", n, tt.kind, p.Exchanges())
			}
			for i, e := range p.Exchanges() {
				if e.Fault != tt.kind || e.Forwarded != tt.reachesUpstream {
					t.Errorf("exchange %d: %v", i, e)
				}
			}
		})
	}
}

// Kinds hit only the requests they apply to.
func TestKindsApplyWhereDocumented(t *testing.T) {
	u := newUpstream(t)
	rates := faulttest.Rates{faulttest.Truncated: 1, faulttest.Malformed: 1, faulttest.PageFailure: 1,
		faulttest.AfterForward: 1, faulttest.AfterForwardSticky: 1}
	p := newProxy(t, u, 7, rates)
	for _, req := range [][2]string{{"HEAD", "/v2/r/manifests/t"}, {"PUT", "/v2/r/manifests/t"}, {"GET", "/v2/r/tags/list?n=2"}} {
		g := send(t, p, req[0], req[1], 5*time.Second)
		if req[0] != "GET" && (g.err != nil || g.status != 200) {
			t.Errorf("%s %s got a fault: %d %v", req[0], req[1], g.status, g.err)
		}
	}
	p.Close()
	for _, e := range p.Exchanges() {
		if e.Method == "GET" && e.Fault != faulttest.Truncated && e.Fault != faulttest.Malformed {
			t.Errorf("GET without last= got %q", e.Fault)
		}
		if e.Method != "GET" && e.Fault != "" {
			t.Errorf("%v: a fault that does not apply", e)
		}
	}
}

// Spurious 404s hit only reads and deletions of manifests and blobs: never a
// listing, a PUT or the source's API.
func TestNotFoundApplies(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u, 5, faulttest.Rates{faulttest.NotFound: 1, faulttest.AfterForward404: 1})
	requests := map[[2]string]faulttest.Kind{
		{"HEAD", "/v2/team/app/manifests/PR1-test"}:         faulttest.NotFound,
		{"GET", "/v2/r/manifests/sha256:1"}:                 faulttest.NotFound,
		{"GET", "/v2/r/blobs/sha256:1"}:                     faulttest.NotFound,
		{"GET", "/v2/r/tags/list?n=2"}:                      "",
		{"GET", "/v2/_catalog"}:                             "",
		{"PUT", "/v2/r/manifests/t"}:                        "",
		{"GET", "/contoso/Jarvis/_apis/git/pullrequests/1"}: "",
	}
	for req := range requests {
		send(t, p, req[0], req[1], 5*time.Second)
	}
	p.Close()
	for _, e := range p.Exchanges() {
		if want := requests[[2]string{e.Method, e.Target}]; e.Fault != want {
			t.Errorf("%v: fault %q, want %q", e, e.Fault, want)
		}
	}
	// DELETE draws both; either answers 404, one after forwarding.
	u2 := newUpstream(t)
	p2 := newProxy(t, u2, 5, faulttest.Rates{faulttest.NotFound: 0.5, faulttest.AfterForward404: 0.5})
	for i := range 20 {
		if g := send(t, p2, "DELETE", fmt.Sprintf("/v2/r/manifests/t%d", i), 5*time.Second); g.status != 404 {
			t.Errorf("DELETE t%d: %d", i, g.status)
		}
	}
	p2.Close()
	counts := p2.Counts()
	if counts[faulttest.NotFound] == 0 || counts[faulttest.AfterForward404] == 0 {
		t.Errorf("counts %v", counts)
	}
	for _, e := range p2.Exchanges() {
		if e.Forwarded != (e.Fault == faulttest.AfterForward404) {
			t.Errorf("%v", e)
		}
	}
}

// A DELETE failed after forwarding answers, across attempts, each of its three
// ways, and the upstream deletes every time.
func TestAfterForwardAnswers(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u, 3, faulttest.Rates{faulttest.AfterForward: 1})
	for i := range 30 {
		send(t, p, "DELETE", fmt.Sprintf("/v2/r/manifests/t%d", i), 30*time.Millisecond)
	}
	p.Close()
	answers := map[string]bool{}
	for _, e := range p.Exchanges() {
		answers[strings.Fields(e.Answer)[0]] = true
		if !e.Forwarded || e.Upstream != http.StatusAccepted {
			t.Errorf("%v: not carried out upstream", e)
		}
	}
	for _, want := range []string{"500", "held"} {
		if !answers[want] {
			t.Errorf("no %q answer among %v", want, answers)
		}
	}
	if !answers["reset"] && !answers["closed"] {
		t.Errorf("no broken connection among %v", answers)
	}
}

// The same seed and the same requests give the same faults, whatever order the
// requests arrive in; another seed gives others.
func TestReproducibleFromSeed(t *testing.T) {
	var targets []string
	for i := range 80 {
		targets = append(targets, fmt.Sprintf("/v2/r/manifests/t%d", i), fmt.Sprintf("/v2/r/tags/list?last=t%d&n=2", i))
	}
	rates := faulttest.DefaultRates().Only(faulttest.ServerError, faulttest.ThrottleBare, faulttest.PageFailure, faulttest.Malformed)
	faults := func(seed uint64, shuffle uint64) []string {
		u := newUpstream(t)
		p := newProxy(t, u, seed, rates.Scale(3))
		order := slices.Clone(targets)
		rand.New(rand.NewPCG(shuffle, 0)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var wg sync.WaitGroup
		for _, target := range order {
			wg.Go(func() {
				for range 2 { // two attempts each, sequential per target like a retrying client
					send(t, p, "GET", target, 5*time.Second)
				}
			})
		}
		wg.Wait()
		p.Close()
		var out []string
		for _, e := range p.Exchanges() {
			out = append(out, fmt.Sprintf("%s #%d %s", e.Target, e.Attempt, e.Fault))
		}
		slices.Sort(out)
		return out
	}
	a, b, c := faults(42, 1), faults(42, 2), faults(43, 1)
	if !slices.Equal(a, b) {
		t.Error("seed 42 gave different faults in another order")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 42 and 43 gave the same faults")
	}
}

func TestNewProxyRejects(t *testing.T) {
	if _, err := faulttest.NewProxy("not a url", faulttest.Options{}); err == nil {
		t.Error("NewProxy accepted an upstream without a host")
	}
	if _, err := faulttest.NewProxy("http://127.0.0.1:1", faulttest.Options{Rates: faulttest.Rates{faulttest.Reset: 1.5}}); err == nil {
		t.Error("NewProxy accepted a rate over 1")
	}
}
