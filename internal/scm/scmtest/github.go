package scmtest

import (
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitHub fakes the parts of the GitHub REST and GraphQL APIs a pull-request source
// uses, as docs.github.com documents them:
//
//   - GET /repos/{owner}/{repo}/pulls/{number}, GET /repos/{owner}/{repo}/pulls
//     (per_page, state), GET /repos/{owner}/{repo}, GET /rate_limit;
//   - POST /graphql with repository(owner:,name:){pN: pullRequest(number:N){…}}
//     aliases, answering null plus a NOT_FOUND error for what does not exist;
//   - POST /app/installations/{id}/access_tokens, which checks the app's RS256
//     JWT with its public key and issues installation tokens valid for an hour.
//
// Every answer carries the x-ratelimit-* headers of its resource (core or
// graphql). Secondary and primary limits answer on demand (SecondaryLimit,
// PrimaryLimit). A repository the credentials may not see answers 404 for
// everything in it, as GitHub does. Any request the fake does not know fails the
// test. With GitHubEnterprise, the REST API is under /api/v3 and GraphQL at
// /api/graphql, as on GitHub Enterprise Server.
type GitHub struct {
	errorf func(format string, args ...any)
	srv    *httptest.Server
	prefix string // "" or "/api/v3"
	gqlAt  string // "/graphql" or "/api/graphql"
	now    func() time.Time

	mu       sync.Mutex
	tokens   map[string]time.Time // accepted tokens → expiry (zero: never)
	apps     map[int64]*ghApp     // by app id
	repos    map[string]*ghRepo   // by lower-case owner/name
	faults   map[string][]*ghFault
	limits   map[string]int // resource → remaining
	reset    time.Time
	counts   map[string]int // pull reads by "owner/name#n" (lower case)
	requests map[string]int // by "METHOD kind"
	gqlPRs   []int          // pull requests asked per GraphQL query
	issued   int
}

// GitHubPRNotFound is GitHub's 404 body for a pull request (or anything else) that
// does not exist or may not be seen.
const GitHubPRNotFound = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pulls/pulls#get-a-pull-request","status":"404"}`

// The rate limit the fake starts each resource with, as GitHub gives a token.
const githubRateLimit = 5000

type ghRepo struct {
	owner, name string
	id          int
	prs         map[int]ghPR
	hidden      bool // the credentials cannot see the repository: 404 for all of it
	denyPulls   bool // the repository is visible, its pull requests are not: 403
	omit        map[int]bool
}

type ghPR struct {
	state    string // open, closed, merged
	closedAt time.Time
}

type ghApp struct {
	id            int64
	key           *rsa.PublicKey
	installations map[int64]bool
}

type ghFault struct {
	times int
	write func(w http.ResponseWriter)
}

// GitHubOption configures NewGitHub.
type GitHubOption func(*GitHub)

// GitHubEnterprise serves the API as GitHub Enterprise Server does: REST under
// /api/v3, GraphQL at /api/graphql.
func GitHubEnterprise() GitHubOption {
	return func(g *GitHub) { g.prefix, g.gqlAt = "/api/v3", "/api/graphql" }
}

// GitHubClock sets the fake's clock (default time.Now): rate-limit resets, token
// expiry and the JWT's times are read on it.
func GitHubClock(now func() time.Time) GitHubOption {
	return func(g *GitHub) { g.now = now }
}

// NewGitHub starts a fake that accepts token (as "Bearer" or "token"); an empty
// token accepts none but the app tokens it issues. It stops when the test ends.
func NewGitHub(t testing.TB, token string, opts ...GitHubOption) *GitHub {
	t.Helper()
	g := ServeGitHub(t.Errorf, token, opts...)
	t.Cleanup(g.Close)
	return g
}

// ServeGitHub starts the fake outside a test (the benchmark): errorf receives a
// request the fake does not know. Close stops it.
func ServeGitHub(errorf func(format string, args ...any), token string, opts ...GitHubOption) *GitHub {
	g := &GitHub{
		errorf: errorf, gqlAt: "/graphql", now: time.Now,
		tokens: map[string]time.Time{}, apps: map[int64]*ghApp{}, repos: map[string]*ghRepo{},
		faults: map[string][]*ghFault{}, counts: map[string]int{}, requests: map[string]int{},
		limits: map[string]int{"core": githubRateLimit, "graphql": githubRateLimit},
	}
	for _, o := range opts {
		o(g)
	}
	if token != "" {
		g.tokens[token] = time.Time{}
	}
	g.reset = g.now().Add(time.Hour).Truncate(time.Second)
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// Close stops the server.
func (g *GitHub) Close() { g.srv.Close() }

// URL returns the API's base URL: the server's root, or its /api/v3.
func (g *GitHub) URL() string { return g.srv.URL + g.prefix }

// SetPR sets pull request n of repo (owner/name): state is open, closed or
// merged; closedAt is sent for closed and merged ones (zero: now).
func (g *GitHub) SetPR(repo string, n int, state string, closedAt time.Time) {
	switch state {
	case "open", "closed", "merged":
	default:
		g.errorf("github fake: SetPR %s#%d: state %q is not open, closed or merged", repo, n, state)
		return
	}
	if state != "open" && closedAt.IsZero() {
		closedAt = g.now()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.repo(repo).prs[n] = ghPR{state: state, closedAt: closedAt.UTC().Truncate(time.Second)}
}

// AddRepo makes repo exist, with no pull request.
func (g *GitHub) AddRepo(repo string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.repo(repo)
}

// HideRepo makes repo invisible to the credentials: 404 for it and everything in
// it, and NOT_FOUND in GraphQL.
func (g *GitHub) HideRepo(repo string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.repo(repo).hidden = true
}

// DenyPulls answers 403 "Resource not accessible by personal access token" to
// reads of repo's pull requests, as for a fine-grained token without pull
// requests: read; the repository itself stays readable.
func (g *GitHub) DenyPulls(repo string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.repo(repo).denyPulls = true
}

// OmitInGraphQL makes GraphQL answer null for pull request n of repo, with no
// error: an answer that does not hold it. REST still serves it.
func (g *GitHub) OmitInGraphQL(repo string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.repo(repo)
	if r.omit == nil {
		r.omit = map[int]bool{}
	}
	r.omit[n] = true
}

// AddApp registers a GitHub App with its public key and installations.
func (g *GitHub) AddApp(appID int64, key *rsa.PublicKey, installations ...int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a := &ghApp{id: appID, key: key, installations: map[int64]bool{}}
	for _, id := range installations {
		a.installations[id] = true
	}
	g.apps[appID] = a
}

// repo returns the repository, creating it. g.mu is held.
func (g *GitHub) repo(full string) *ghRepo {
	key := strings.ToLower(full)
	r := g.repos[key]
	if r == nil {
		owner, name, ok := strings.Cut(full, "/")
		if !ok {
			g.errorf("github fake: repository %q is not owner/name", full)
		}
		r = &ghRepo{owner: owner, name: name, id: 1000 + len(g.repos), prs: map[int]ghPR{}}
		g.repos[key] = r
	}
	return r
}
