package registrytest

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is what the vendor fakes (ACR, GHCR, GitLab) share, embedded in each: the
// backend registry that holds the images, where a request the fake does not know
// is reported, its clock, the TLS servers it started and the requests they served.
type fake struct {
	name    string     // "ACR", "GHCR", "GitLab": in failures and the CA file's name
	backend backendAPI // the real registry behind the fake
	fail    func(format string, args ...any)
	now     func() time.Time
	wrap    func(server string, h http.Handler) http.Handler // nil: none
	servers []*httptest.Server

	mu       sync.Mutex // guards requests and the embedding fake's own state
	requests []string
}

func newFake(name string, backend *Server, fail func(format string, args ...any)) fake {
	return fake{name: name, backend: backendAPI{backend}, fail: fail, now: time.Now}
}

// start starts one of the fake's TLS servers on 127.0.0.1, behind wrap if set.
func (f *fake) start(server string, h http.HandlerFunc) *httptest.Server {
	var handler http.Handler = h
	if f.wrap != nil {
		handler = f.wrap(server, h)
	}
	s := httptest.NewTLSServer(handler)
	f.servers = append(f.servers, s)
	return s
}

// Close stops the fake's servers.
func (f *fake) Close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// CertPEM returns the servers' certificate (httptest's, the same for each), for
// the client's trusted CAs.
func (f *fake) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.servers[0].Certificate().Raw})
}

// WriteCAFile writes CertPEM into dir and returns the file's path (registry.caFile).
func (f *fake) WriteCAFile(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, strings.ToLower(f.name)+"-ca.pem")
	if err := os.WriteFile(p, f.CertPEM(), 0o600); err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return p
}

// Requests returns every request served so far, as "METHOD route"; each fake's
// doc names its routes.
func (f *fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Count says how many requests were "METHOD route" (see Requests).
func (f *fake) Count(methodRoute string) int {
	n := 0
	for _, r := range f.Requests() {
		if r == methodRoute {
			n++
		}
	}
	return n
}

func (f *fake) note(method, route string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, method+" "+route)
}

// unknownAt fails the test: the fake was asked something it does not know.
func (f *fake) unknownAt(r *http.Request, path string) {
	f.fail("registrytest: the %s fake does not know %s %s", f.name, r.Method, path)
}

// unknown fails the test and answers 404 with a registry's error body.
func (f *fake) unknown(w http.ResponseWriter, r *http.Request) {
	f.unknownAt(r, r.URL.Path)
	acrJSONError(w, http.StatusNotFound, "UNSUPPORTED", "the fake does not know this request")
}

// bearerChallenge answers 401 UNAUTHORIZED, as a distribution registry does, with
// a Bearer challenge naming realm, service and scope ("" names none).
func bearerChallenge(w http.ResponseWriter, realm, service, scope string) {
	c := `Bearer realm="` + realm + `",service="` + service + `"`
	if scope != "" {
		c += `,scope="` + scope + `"`
	}
	w.Header().Set("WWW-Authenticate", c)
	acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
}

// schedule picks the requests that get a scripted answer: the queued ones first,
// then every nth. Its owner guards it.
type schedule[T any] struct {
	next      []T
	every     int
	everyWith T
	served    int // requests that could have been picked
	picked    int
}

// take counts a request and says whether it is picked, and with what.
func (s *schedule[T]) take() (v T, picked bool) {
	s.served++
	switch {
	case len(s.next) > 0:
		v, s.next = s.next[0], s.next[1:]
	case s.every > 0 && s.served%s.every == 0:
		v = s.everyWith
	default:
		return v, false
	}
	s.picked++
	return v, true
}

// throttler answers scripted requests 429, each with a Retry-After value ("" sends
// none): the ACR login server's and GitLab's /api/v4 requests.
type throttler struct {
	throttleMu sync.Mutex // its own: the embedding fake's mu is fake.mu
	throttles  schedule[string]
}

// Throttle makes the next len(retryAfter) requests that can be throttled answer
// 429, each with its Retry-After value ("" sends none).
func (t *throttler) Throttle(retryAfter ...string) {
	t.throttleMu.Lock()
	defer t.throttleMu.Unlock()
	t.throttles.next = append(t.throttles.next, retryAfter...)
}

// ThrottleEvery makes every nth request that can be throttled answer 429 with
// retryAfter ("" sends none), as a registry at its rate limit does; 0 stops it.
func (t *throttler) ThrottleEvery(n int, retryAfter string) {
	t.throttleMu.Lock()
	defer t.throttleMu.Unlock()
	t.throttles.every, t.throttles.everyWith = n, retryAfter
}

// Throttled says how many requests were answered 429.
func (t *throttler) Throttled() int {
	t.throttleMu.Lock()
	defer t.throttleMu.Unlock()
	return t.throttles.picked
}

// takeThrottle says whether this request is throttled, and with which Retry-After.
func (t *throttler) takeThrottle() (retryAfter string, throttled bool) {
	t.throttleMu.Lock()
	defer t.throttleMu.Unlock()
	return t.throttles.take()
}
