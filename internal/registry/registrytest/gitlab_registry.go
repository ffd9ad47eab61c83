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

// GitLab is a fake of GitLab's container registry as prsweep uses it, built from
// GitLab's documentation and source (doc/api/container_registry.md,
// lib/api/project_container_repositories.rb, Projects::ContainerRepository::
// DeleteTagsService), in front of a real registry that holds the images (NewV3 +
// Seed). Two TLS servers on 127.0.0.1 play GitLab (the REST API and the registry's
// token endpoint) and the registry host; both use httptest's certificate, which
// CertPEM returns for the client to trust.
//
// GitLab: GET /api/v4/personal_access_tokens/self, GET /api/v4/projects/:id, GET
// /api/v4/groups/:id, GET /api/v4/projects/:id/registry/repositories and GET
// /api/v4/groups/:id/registry/repositories (offset pagination: page, per_page,
// X-Total, X-Next-Page, Link), GET …/registry/repositories/:rid/tags (offset
// pagination, or keyset with WithGitLabKeysetTags: a Link rel="next" with last=),
// GET and DELETE …/registry/repositories/:rid/tags/:tag_name, and GET /jwt/auth
// (basic credentials whose password is a token → a registry token for the scopes
// asked). Every /api/v4 request needs the token in PRIVATE-TOKEN (or Authorization:
// Bearer): none or an unknown one gets 401 {"message":"401 Unauthorized"}, one
// without the api or read_api scope 403 insufficient_scope; a deletion needs api
// and the Developer role. An unknown project, repository or tag gets 404
// {"message":"404 Project Not Found"} and so on.
//
// A tag DELETE does what GitLab does with its own registry (which supports tag
// deletion): it removes that tag alone, through the backend's DELETE
// /v2/<path>/manifests/<tag>; the manifest and its other tags stay. With
// WithGitLabThirdPartyRegistry it does what GitLab does with another registry.
//
// Registry: GET /v2/ and everything under /v2/<repo>/ (manifests, blobs, tags/list,
// referrers) with a token from /jwt/auth whose access covers the repository and the
// action (pull for GET and HEAD, push for uploads, delete for DELETE); otherwise 401
// with a Bearer challenge naming GitLab's /jwt/auth. Requests are passed to the
// backend as they are.
//
// Any other request fails the test, and so does the bulk tag deletion (DELETE
// …/tags without a tag name): prsweep never uses it.
type GitLab struct {
	backend  backendAPI
	api, reg *httptest.Server
	fail     func(format string, args ...any)
	now      func() time.Time
	keyset   bool // tags listings paginate by keyset (GitLab.com)
	noLink   bool // offset pages without a Link header (X-Next-Page only)
	// thirdParty: the registry has no tag delete, and GitLab deletes a tag the way
	// ThirdParty::DeleteTagsService does (a dummy manifest under the tag, then the
	// dummy deleted by digest).
	thirdParty bool
	refused    bool // the registry answers GitLab's tag DELETE with 400: nothing changes

	mu              sync.Mutex
	projects        []*glProject
	groups          map[string]int // group path → id
	tokens          map[string]GitLabToken
	jwts            map[string]glGrant
	repoIDs         map[string]int // registry repository path → id
	created         map[string]time.Time
	throttle        []string
	every           int
	everyRetryAfter string
	served          int
	throttled       int
	requests        []string
}

// GitLabToken is what a personal, project or group access token may do.
type GitLabToken struct {
	Scopes []string // api, read_api, read_registry, write_registry
	// AccessLevel is the token user's role in every project: 20 Reporter, 30
	// Developer (may delete tags), 40 Maintainer.
	AccessLevel int
}

// GitLabDeveloper is a token with the api scope and the Developer role.
func GitLabDeveloper() GitLabToken { return GitLabToken{Scopes: []string{"api"}, AccessLevel: 30} }

type glProject struct {
	id   int
	path string // group/project
}

type glGrant struct {
	access map[string][]string // repository → actions
}

// GitLabOption configures StartGitLab.
type GitLabOption func(*GitLab)

// WithGitLabKeysetTags makes tag listings paginate by keyset, as GitLab.com does
// since 16.10: a Link rel="next" carrying last=<tag>, no X-Total or X-Next-Page.
func WithGitLabKeysetTags() GitLabOption { return func(g *GitLab) { g.keyset = true } }

// WithGitLabNoLinkHeader makes offset pages come without a Link header, as GitLab
// answers for very large collections: clients follow X-Next-Page.
func WithGitLabNoLinkHeader() GitLabOption { return func(g *GitLab) { g.noLink = true } }

// WithGitLabThirdPartyRegistry makes GitLab delete a tag as it does with a registry
// that has no tag delete (app/services/projects/container_repository/third_party/
// delete_tags_service.rb): it puts a dummy manifest under the tag, then deletes the
// dummy by digest. Only that tag goes.
func WithGitLabThirdPartyRegistry() GitLabOption { return func(g *GitLab) { g.thirdParty = true } }

// WithGitLabTagDeleteRefused makes GitLab front an external registry that it
// believes deletes tags but that answers DELETE /v2/<path>/manifests/<tag> with 400
// DIGEST_INVALID (distribution 2.8; sameersbn/docker-gitlab#2867, GitLab 16.6): the
// API answers 400 and nothing changes.
func WithGitLabTagDeleteRefused() GitLabOption { return func(g *GitLab) { g.refused = true } }

// WithGitLabClock sets the fake's clock (tags' created_at; default time.Now).
func WithGitLabClock(now func() time.Time) GitLabOption { return func(g *GitLab) { g.now = now } }

// StartGitLab starts the fake in front of backend and stops it when the test ends.
// A request the fake does not know fails t.
func StartGitLab(t testing.TB, backend *Server, opts ...GitLabOption) *GitLab {
	t.Helper()
	g := NewGitLab(backend, t.Errorf, opts...)
	t.Cleanup(g.Close)
	return g
}

// NewGitLab starts the fake outside a test (the benchmark); fail receives what a
// test's Errorf would. Close stops it.
func NewGitLab(backend *Server, fail func(format string, args ...any), opts ...GitLabOption) *GitLab {
	g := &GitLab{backend: backendAPI{backend}, fail: fail, now: time.Now,
		tokens: map[string]GitLabToken{}, jwts: map[string]glGrant{}, groups: map[string]int{},
		repoIDs: map[string]int{}, created: map[string]time.Time{}}
	for _, o := range opts {
		o(g)
	}
	g.api = httptest.NewTLSServer(http.HandlerFunc(g.serveAPI))
	g.reg = httptest.NewTLSServer(http.HandlerFunc(g.serveRegistry))
	return g
}

// Close stops the fake's two servers.
func (g *GitLab) Close() {
	g.api.Close()
	g.reg.Close()
}

// URL returns GitLab's base URL, "https://127.0.0.1:PORT" (registry.api).
func (g *GitLab) URL() string { return g.api.URL }

// Host returns the registry host, "127.0.0.1:PORT" (registry.url).
func (g *GitLab) Host() string { return strings.TrimPrefix(g.reg.URL, "https://") }

// CertPEM returns the servers' certificate, for the client's trusted CAs.
func (g *GitLab) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.api.Certificate().Raw})
}

// WriteCAFile writes CertPEM into dir and returns the file's path (registry.caFile).
func (g *GitLab) WriteCAFile(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "gitlab-ca.pem")
	if err := os.WriteFile(p, g.CertPEM(), 0o600); err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return p
}

// AddProject adds a project (group/name) and returns its id. Its container
// repositories are the backend's repositories named path or path/…; its groups
// are path's parents.
func (g *GitLab) AddProject(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := 100 + len(g.projects)
	g.projects = append(g.projects, &glProject{id: id, path: path})
	for p := path; strings.Contains(p, "/"); {
		p = p[:strings.LastIndex(p, "/")]
		if _, ok := g.groups[p]; !ok {
			g.groups[p] = 10 + len(g.groups)
		}
	}
	return id
}

// AddToken makes token known to GitLab with what it may do.
func (g *GitLab) AddToken(token string, t GitLabToken) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens[token] = t
}

// SetCreated sets the created_at of "repo:tag" (default: when first read).
func (g *GitLab) SetCreated(repoTag string, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.created[repoTag] = t
}

func (g *GitLab) createdAt(key string) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.created[key]
	if !ok {
		t = g.now().UTC().Truncate(time.Millisecond)
		g.created[key] = t
	}
	return t
}

// Throttle makes the next len(retryAfter) /api/v4 requests answer 429, each with its
// Retry-After value ("" sends none).
func (g *GitLab) Throttle(retryAfter ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.throttle = append(g.throttle, retryAfter...)
}

// ThrottleEvery makes every nth /api/v4 request answer 429 with retryAfter, as
// GitLab does at its rate limit; 0 stops it.
func (g *GitLab) ThrottleEvery(n int, retryAfter string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.every, g.everyRetryAfter = n, retryAfter
}

// Throttled says how many requests were answered 429.
func (g *GitLab) Throttled() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.throttled
}

// takeThrottle says whether this request is throttled, and with which Retry-After.
func (g *GitLab) takeThrottle() (retryAfter string, throttled bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.served++
	switch {
	case len(g.throttle) > 0:
		retryAfter, g.throttle = g.throttle[0], g.throttle[1:]
	case g.every > 0 && g.served%g.every == 0:
		retryAfter = g.everyRetryAfter
	default:
		return "", false
	}
	g.throttled++
	return retryAfter, true
}

// Requests returns every request served so far, as "METHOD route", e.g.
// "DELETE /api/v4/projects/:id/registry/repositories/:rid/tags/:tag" or
// "HEAD /v2/{repo}/manifests/{ref}".
func (g *GitLab) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

// Count says how many requests were "METHOD route" (see Requests).
func (g *GitLab) Count(methodRoute string) int {
	n := 0
	for _, r := range g.Requests() {
		if r == methodRoute {
			n++
		}
	}
	return n
}

func (g *GitLab) note(method, route string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, method+" "+route)
}

// unknown fails the test: the fake was asked something it does not know.
func (g *GitLab) unknown(w http.ResponseWriter, r *http.Request) {
	g.fail("registrytest: the GitLab fake does not know %s %s", r.Method, r.URL.Path)
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
}

// glMessage answers GitLab's error body, {"message": "404 Tag Not Found"}.
func glMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}
