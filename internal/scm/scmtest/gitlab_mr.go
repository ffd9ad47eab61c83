package scmtest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// GitLab fakes the merge-request side of the GitLab REST API v4 (doc/api/merge_requests.md,
// doc/api/projects.md, doc/api/rest/_index.md for pagination and errors):
//
//	GET /api/v4/projects/:id                               (id: number or URL-encoded path)
//	GET /api/v4/projects/:id/merge_requests?state=&per_page=&page=&iids[]=
//	GET /api/v4/projects/:id/merge_requests/:merge_request_iid
//
// Every project is private: a request without a token is anonymous and finds no
// project (404 Project Not Found); a wrong token gets 401. A merge request never
// set answers 404 {"message":"404 Not found"}. Lists carry X-Page, X-Per-Page,
// X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page and Link. Faults queued for a
// project answer any request on it, in order. Any other request fails the test.
type GitLab struct {
	errorf func(format string, args ...any)
	srv    *httptest.Server

	mu         sync.Mutex
	token      string   // PRIVATE-TOKEN
	jobToken   string   // JOB-TOKEN; "" accepts none
	jobMRs     bool     // job tokens may read the merge requests API
	scopes     []string // the private token's scopes
	maxPerPage int
	now        func() time.Time
	projects   map[string]*glProject // by path
	byID       map[int]*glProject
	counts     map[string]int // "kind path"
	listIIDs   []int          // iids asked by each list request, in order
}

type glProject struct {
	id          int
	path        string
	mrs         map[int]glMR
	faults      []*glFault
	mrForbidden bool // the merge requests feature is closed to the token's user
}

type glMR struct {
	state string
	at    time.Time // merged_at or closed_at
}

type glFault struct {
	times int
	write func(w http.ResponseWriter)
}

// Kinds of request Requests counts.
const (
	GitLabProject = "project" // GET /projects/:id
	GitLabMR      = "mr"      // GET /projects/:id/merge_requests/:iid
	GitLabMRList  = "mrs"     // GET /projects/:id/merge_requests
)

// NewGitLab starts a fake accepting token in PRIVATE-TOKEN, with the api scope. It
// stops when the test ends.
func NewGitLab(t testing.TB, token string) *GitLab {
	t.Helper()
	f := ServeGitLab(t.Errorf, token)
	t.Cleanup(f.Close)
	return f
}

// ServeGitLab starts the fake outside a test; Close stops it.
func ServeGitLab(errorf func(format string, args ...any), token string) *GitLab {
	f := &GitLab{
		errorf: errorf, token: token, scopes: []string{"api"}, jobMRs: true, maxPerPage: 100, now: time.Now,
		projects: map[string]*glProject{}, byID: map[int]*glProject{}, counts: map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Close stops the server.
func (f *GitLab) Close() { f.srv.Close() }

// URL is the instance's base URL (what a source's url names), without /api/v4.
func (f *GitLab) URL() string { return f.srv.URL }

// SetJobToken makes the fake accept token in JOB-TOKEN (CI_JOB_TOKEN). Such a
// token reads the merge requests API when mergeRequests is true (GitLab versions
// that list it among the job token's endpoints); otherwise, and always for GET
// /projects/:id, GitLab ignores it and the request is anonymous.
func (f *GitLab) SetJobToken(token string, mergeRequests bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobToken, f.jobMRs = token, mergeRequests
}

// SetScopes sets the private token's scopes (default api). Without api or
// read_api every request answers 403 insufficient_scope.
func (f *GitLab) SetScopes(scopes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = scopes
}

// SetMaxPerPage caps per_page (GitLab's cap is 100), to force pagination.
func (f *GitLab) SetMaxPerPage(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxPerPage = n
}

// SetClock sets the clock RateLimit-Reset is computed from.
func (f *GitLab) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// AddProject adds a private project by its full path and returns its id.
func (f *GitLab) AddProject(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.projects[path]; ok {
		return p.id
	}
	p := &glProject{id: 1000 + len(f.projects), path: path, mrs: map[int]glMR{}}
	f.projects[path], f.byID[p.id] = p, p
	return p.id
}

// SetMR sets a merge request's state as GitLab spells it (opened, closed,
// locked, merged, or anything else to test a client's strictness); at is its
// merged_at (merged) or closed_at (closed), sent when not zero. The project is
// added if new.
func (f *GitLab) SetMR(project string, iid int, state string, at time.Time) {
	f.AddProject(project)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projects[project].mrs[iid] = glMR{state: state, at: at}
}

// ForbidMRs closes the project's merge requests to the token's user: 403.
func (f *GitLab) ForbidMRs(project string) {
	f.AddProject(project)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projects[project].mrForbidden = true
}

// ServerError answers status with GitLab's 500 body to the project's next times
// requests (Forever: all).
func (f *GitLab) ServerError(project string, status, times int) {
	f.addFault(project, times, func(w http.ResponseWriter) {
		glWrite(w, status, glJSON, `{"message":"500 Internal Server Error"}`)
	})
}

// Throttle answers 429 as Rack::Attack does: "Retry later", the RateLimit-*
// headers, and Retry-After in whole seconds unless retryAfter is negative (then
// only RateLimit-Reset, 30s ahead, says when).
func (f *GitLab) Throttle(project string, times int, retryAfter time.Duration) {
	f.addFault(project, times, func(w http.ResponseWriter) {
		now := f.now() // faults run with mu held
		wait := retryAfter
		if wait < 0 {
			wait = 30 * time.Second
		} else {
			w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
		}
		reset := now.Add(wait).Truncate(time.Second)
		if reset.Before(now.Add(wait)) {
			reset = reset.Add(time.Second)
		}
		h := w.Header()
		h.Set("RateLimit-Name", "throttle_authenticated_api")
		h.Set("RateLimit-Limit", "2000")
		h.Set("RateLimit-Observed", "2001")
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
		glWrite(w, http.StatusTooManyRequests, "text/plain", "Retry later\n")
	})
}

// Respond answers the project's next times requests with status, content type
// and body: for answers the other faults do not cover.
func (f *GitLab) Respond(project string, times, status int, contentType, body string) {
	f.addFault(project, times, func(w http.ResponseWriter) { glWrite(w, status, contentType, body) })
}

// Requests returns how many requests of kind (GitLabProject, GitLabMR,
// GitLabMRList) the fake received for project, whatever it answered.
func (f *GitLab) Requests(kind, project string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind+" "+project]
}

// ListSizes returns how many iids[] each list request asked for, in order.
func (f *GitLab) ListSizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.listIIDs...)
}

func (f *GitLab) addFault(project string, times int, w func(http.ResponseWriter)) {
	if times == 0 || times < Forever {
		f.errorf("gitlab fake: fault for %s with times %d: want > 0 or Forever", project, times)
		return
	}
	f.AddProject(project)
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.projects[project]
	p.faults = append(p.faults, &glFault{times: times, write: w})
}

// nextFault pops the project's next fault; the caller holds mu.
func (p *glProject) nextFault() func(http.ResponseWriter) {
	if len(p.faults) == 0 {
		return nil
	}
	head := p.faults[0]
	if head.times != Forever {
		head.times--
		if head.times == 0 {
			p.faults = p.faults[1:]
		}
	}
	return head.write
}
