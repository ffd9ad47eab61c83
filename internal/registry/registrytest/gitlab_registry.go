package registrytest

import (
	"net/http"
	"net/http/httptest"
	"strings"
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
// …/tags without a tag name): prsweep never uses it. Requests records what was
// served as "METHOD route", e.g.
// "DELETE /api/v4/projects/:id/registry/repositories/:rid/tags/:tag" or
// "HEAD /v2/{repo}/manifests/{ref}"; Throttle and ThrottleEvery answer /api/v4
// requests 429.
type GitLab struct {
	fake
	throttler
	api, reg *httptest.Server
	keyset   bool // tags listings paginate by keyset (GitLab.com)
	noLink   bool // offset pages without a Link header (X-Next-Page only)
	// thirdParty: the registry has no tag delete, and GitLab deletes a tag the way
	// ThirdParty::DeleteTagsService does (a dummy manifest under the tag, then the
	// dummy deleted by digest).
	thirdParty bool
	refused    bool // the registry answers GitLab's tag DELETE with 400: nothing changes

	// Under mu (the fake's):
	projects []*glProject
	groups   map[string]int // group path → id
	tokens   map[string]GitLabToken
	jwts     map[string]glGrant
	repoIDs  map[string]int // registry repository path → id
	created  map[string]time.Time
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
	g := &GitLab{fake: newFake("GitLab", backend, fail),
		tokens: map[string]GitLabToken{}, jwts: map[string]glGrant{}, groups: map[string]int{},
		repoIDs: map[string]int{}, created: map[string]time.Time{}}
	for _, o := range opts {
		o(g)
	}
	g.api = g.start("gitlab", g.serveAPI)
	g.reg = g.start("registry", g.serveRegistry)
	return g
}

// URL returns GitLab's base URL, "https://127.0.0.1:PORT" (registry.api).
func (g *GitLab) URL() string { return g.api.URL }

// Host returns the registry host, "127.0.0.1:PORT" (registry.url).
func (g *GitLab) Host() string { return strings.TrimPrefix(g.reg.URL, "https://") }

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

// unknownGitLab fails the test: the fake was asked something it does not know. It
// answers with GitLab's body, not a registry's.
func (g *GitLab) unknownGitLab(w http.ResponseWriter, r *http.Request) {
	g.unknownAt(r, r.URL.Path)
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
}

// glMessage answers GitLab's error body, {"message": "404 Tag Not Found"}.
func glMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}
