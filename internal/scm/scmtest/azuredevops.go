package scmtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Forever, as a fault's times, makes the fault answer every request.
const Forever = -1

// AzureDevOps fakes the Azure DevOps Services REST API for one organisation and
// one project: GET {org}/{project}/_apis/git/pullrequests/{id}?api-version=7.1.
// A pull request that was never set answers 404 with the TF401180 body, as ADO
// does. Faults queued for a pull request answer before its state does, in the
// order they were added, each for as many requests as its times says.
type AzureDevOps struct {
	errorf              func(format string, args ...any) // a request or a call the fake does not accept
	srv                 *httptest.Server
	org, project, token string

	mu     sync.Mutex
	prs    map[int]adoState
	faults map[int][]*adoFault
	slow   map[int]*gate
	counts map[int]int
	auth   map[int][]string
	git    *adoGit // repositories (azuredevops_repos.go); nil until first used
}

type adoState struct {
	status string
	closed time.Time
	repo   string // the repository (SetPRIn); "" is the one named after the project
}

type adoFault struct {
	times int // requests left; Forever never runs out
	write func(w http.ResponseWriter)
}

// NewAzureDevOps starts a fake for organisation org and project project that
// accepts token as a PAT (Basic, empty user name) or as a Bearer token. The
// server stops when the test ends.
func NewAzureDevOps(t testing.TB, org, project, token string) *AzureDevOps {
	t.Helper()
	f := ServeAzureDevOps(t.Errorf, org, project, token)
	t.Cleanup(f.Close)
	return f
}

// URL returns the organisation URL, like https://dev.azure.com/{org}.
func (f *AzureDevOps) URL() string { return f.srv.URL + "/" + f.org }

// SetPR sets a pull request's status as ADO spells it (active, completed,
// abandoned, notSet, or anything else to test the client's strictness) and its
// closedDate, sent only when not zero.
func (f *AzureDevOps) SetPR(id int, status string, closedDate time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prs[id] = adoState{status: status, closed: closedDate}
}

// SignInPage answers 203 with the HTML sign-in page, what ADO sends to a GET
// whose credential is expired or invalid.
func (f *AzureDevOps) SignInPage(id, times int) {
	f.addFault(id, times, signIn)
}

// Unauthorized answers 401 with ADO's JSON error body (TF400813).
func (f *AzureDevOps) Unauthorized(id, times int) {
	f.addFault(id, times, func(w http.ResponseWriter) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri=https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000`)
		w.Header().Add("WWW-Authenticate", `Basic realm="https://tfsprodweu2.visualstudio.com/"`)
		write(w, http.StatusUnauthorized, adoJSON, adoUnauthorized)
	})
}

// NotFound answers 404 with the TF401180 body, as for an id never set.
func (f *AzureDevOps) NotFound(id, times int) {
	f.addFault(id, times, func(w http.ResponseWriter) {
		write(w, http.StatusNotFound, adoJSON, AzureDevOpsPRNotFound)
	})
}

// Throttle answers 429 with the TF400733 message, the X-RateLimit-* headers,
// and Retry-After in whole seconds (rounded up); a negative retryAfter leaves
// Retry-After out.
func (f *AzureDevOps) Throttle(id, times int, retryAfter time.Duration) {
	f.addFault(id, times, func(w http.ResponseWriter) {
		h := w.Header()
		if retryAfter >= 0 {
			secs := (retryAfter + time.Second - 1) / time.Second
			h.Set("Retry-After", itoa(int(secs)))
		}
		h.Set("X-RateLimit-Resource", "Core")
		h.Set("X-RateLimit-Delay", "0.000")
		h.Set("X-RateLimit-Limit", "200")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", itoa(int(time.Now().Add(5*time.Minute).Unix())))
		write(w, http.StatusTooManyRequests, adoJSON, adoThrottled)
	})
}

// ServerError answers status (500, 502, 503, …) with a JSON error body.
func (f *AzureDevOps) ServerError(id, status, times int) {
	f.addFault(id, times, func(w http.ResponseWriter) {
		write(w, status, adoJSON, adoServerError)
	})
}

// Respond answers with the given status, content type and body: for answers
// the other faults do not cover (a 404 for a wrong project, a 200 HTML page, …).
func (f *AzureDevOps) Respond(id, times, status int, contentType, body string) {
	f.addFault(id, times, func(w http.ResponseWriter) {
		write(w, status, contentType, body)
	})
}

// Slow makes requests for id wait, before any fault or state answers, until
// the request's context is done or release is called. release is idempotent.
func (f *AzureDevOps) Slow(id int) (release func()) {
	g := &gate{ch: make(chan struct{})}
	f.mu.Lock()
	f.slow[id] = g
	f.mu.Unlock()
	return g.open
}

// gate holds slow requests until opened; opening twice is harmless.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// Requests returns how many requests for pull request id the fake received,
// whatever it answered.
func (f *AzureDevOps) Requests(id int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[id]
}

// AuthSchemes returns the Authorization scheme of each request for id, in
// order: "Basic", "Bearer", or "" when there was none.
func (f *AzureDevOps) AuthSchemes(id int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth[id]...)
}

func (f *AzureDevOps) addFault(id, times int, w func(http.ResponseWriter)) {
	if times == 0 || times < Forever {
		f.errorf("azure devops fake: fault for PR %d with times %d: want > 0 or Forever", id, times)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[id] = append(f.faults[id], &adoFault{times: times, write: w})
}

func (f *AzureDevOps) releaseAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.slow {
		g.open()
	}
}
