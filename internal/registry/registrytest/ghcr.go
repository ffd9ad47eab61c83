package registrytest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// GHCR is a fake of GitHub's Packages REST API for container packages and of the
// GitHub Container Registry's OCI front, built from GitHub's documented request and
// response shapes, in front of a real registry that holds the images (NewV3 + Seed).
// Two TLS servers on 127.0.0.1 play api.github.com and ghcr.io; both use httptest's
// certificate, which CertPEM returns for the client to trust.
//
// API (one owner, an organisation unless WithGHCRUser): GET /users/{owner};
// GET /orgs|users/{owner}/packages?package_type=container (per_page, page; Link);
// GET /orgs|users/{owner}/packages/container/{name} (name URL-encoded: a slash in
// it is %2F); GET …/{name}/versions (per_page up to 100, page, state; Link), GET and
// DELETE …/{name}/versions/{id}. A package is a repository of the backend, a
// version one of its manifests: each tagged manifest, each child of an index the
// fake knows, and each manifest the fake saw lose its last tag (GHCR keeps untagged
// versions). A version's id is stable while its manifest exists, and its name is
// the digest. Deleting a version deletes the manifest by digest in the backend,
// with every tag on it; GitHub's refusals are enforced: a package's last tagged
// version (always), a public version with more than 5,000 downloads
// (SetManyDownloads). Every answer carries x-ratelimit-* headers; errors are
// {"message", "documentation_url", "status"}.
//
// Registry: GET /token (basic credentials: any user, a token as password; scope and
// service) → {"token"}, and /v2/… for OWNER/NAME proxied to the backend's NAME,
// behind a Bearer challenge whose token must cover the repository and action
// (pull; push for uploads). There is no DELETE in GHCR's OCI API: any is unknown.
//
// Any request the fake does not know fails the test. Requests records what was
// served as "METHOD route", e.g.
// "DELETE /{kind}/{owner}/packages/container/{name}/versions/{id}" or "GET /token".
type GHCR struct {
	fake
	api, reg *httptest.Server
	owner    string
	user     bool // the owner is a user, not an organisation

	// Under mu (the fake's):
	tokens    map[string]ghcrToken // GitHub token → what it may do
	regTokens map[string]ghcrGrant // registry token → what it covers
	ids       map[string]int64     // "repo@digest" → version id
	created   map[string]time.Time // "repo@digest" → the version's created_at
	nextID    int64
	seen      seenManifests       // the manifests known as versions
	downloads map[string]bool     // "repo@digest": public, more than 5,000 downloads
	lagN      int                 // WithGHCRListingLag
	lag       map[string]int      // "repo@digest" → listings still to leave it out of
	limits    schedule[GHCRLimit] // the API requests answered as rate-limited
	limited   int
	remaining int
}

// ghcrToken is a GitHub token: a classic personal access token with scopes, or
// one without (GITHUB_TOKEN, fine-grained) that may write or only read.
type ghcrToken struct {
	classic bool
	scopes  []string
	write   bool // non-classic: packages: write
}

func (t ghcrToken) may(scope string) bool {
	if !t.classic {
		return scope == "read:packages" || t.write
	}
	return slices.Contains(t.scopes, scope) || (scope == "read:packages" && slices.Contains(t.scopes, "write:packages"))
}

// GHCRLimit is how the API answers a rate-limited request.
type GHCRLimit string

// Rate-limit answers GitHub documents.
const (
	GHCRPrimary   GHCRLimit = "primary"   // 403, x-ratelimit-remaining 0, reset in 2 s
	GHCRSecondary GHCRLimit = "secondary" // 403 "secondary rate limit", retry-after: 1
	GHCR429       GHCRLimit = "429"       // 429, retry-after: 1
)

// GHCROption configures StartGHCR.
type GHCROption func(*GHCR)

// WithGHCRUser makes the owner a user instead of an organisation.
func WithGHCRUser() GHCROption { return func(g *GHCR) { g.user = true } }

// WithGHCRClock sets the fake's clock: created_at and x-ratelimit-reset.
func WithGHCRClock(now func() time.Time) GHCROption { return func(g *GHCR) { g.now = now } }

// WithGHCRListingLag leaves a manifest put through the fake out of the next n
// listings of its package's versions, as an API that lists a push a moment late.
func WithGHCRListingLag(n int) GHCROption { return func(g *GHCR) { g.lagN = n } }

// WithGHCRWrap wraps the handler of each server (GHCRAPI, GHCRRegistry).
func WithGHCRWrap(wrap func(server string, h http.Handler) http.Handler) GHCROption {
	return func(g *GHCR) { g.wrap = wrap }
}

// The servers WithGHCRWrap names.
const (
	GHCRAPI      = "api"      // api.github.com
	GHCRRegistry = "registry" // ghcr.io
)

// StartGHCR starts the fake for owner in front of backend and stops it when the
// test ends. A request the fake does not know fails t.
func StartGHCR(t testing.TB, backend *Server, owner string, opts ...GHCROption) *GHCR {
	t.Helper()
	g := NewGHCR(backend, owner, t.Errorf, opts...)
	t.Cleanup(g.Close)
	return g
}

// NewGHCR starts the fake outside a test (the benchmark); Close stops it.
func NewGHCR(backend *Server, owner string, fail func(format string, args ...any), opts ...GHCROption) *GHCR {
	g := &GHCR{fake: newFake("GHCR", backend, fail), owner: owner, nextID: 1000, remaining: 5000,
		tokens: map[string]ghcrToken{}, regTokens: map[string]ghcrGrant{}, ids: map[string]int64{},
		created: map[string]time.Time{}, seen: seenManifests{}, downloads: map[string]bool{}, lag: map[string]int{}}
	for _, o := range opts {
		o(g)
	}
	g.api = g.start(GHCRAPI, g.serveAPI)
	g.reg = g.start(GHCRRegistry, g.serveRegistry)
	return g
}

// Host returns the registry, "127.0.0.1:PORT": registry.url of the config.
func (g *GHCR) Host() string { return strings.TrimPrefix(g.reg.URL, "https://") }

// APIURL returns the API base, "https://127.0.0.1:PORT": registry.api of the config.
func (g *GHCR) APIURL() string { return g.api.URL }

// AddClassicToken accepts a classic personal access token with these scopes
// (read:packages, write:packages, delete:packages, …), which every API answer
// names in X-OAuth-Scopes.
func (g *GHCR) AddClassicToken(token string, scopes ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens[token] = ghcrToken{classic: true, scopes: scopes}
}

// AddToken accepts a token without scopes (GITHUB_TOKEN, fine-grained): it reads,
// and writes and deletes when write is set (packages: write, admin of the package).
func (g *GHCR) AddToken(token string, write bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens[token] = ghcrToken{write: write}
}

// SetManyDownloads makes repo@digest a public version downloaded more than 5,000
// times, which GitHub refuses to delete.
func (g *GHCR) SetManyDownloads(repo, digest string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.downloads[repo+"@"+digest] = true
}

// RateLimit makes the next n API requests answer as rate-limited, the way kind says.
func (g *GHCR) RateLimit(kind GHCRLimit, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		g.limits.next = append(g.limits.next, kind)
	}
}

// RateLimitEvery makes every nth API request answer as rate-limited; 0 stops it.
func (g *GHCR) RateLimitEvery(n int, kind GHCRLimit) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limits.every, g.limits.everyWith = n, kind
}

// Limited says how many API requests were answered as rate-limited.
func (g *GHCR) Limited() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limited
}

// ociOwner is the owner as the registry's repository paths spell it.
func (g *GHCR) ociOwner() string { return strings.ToLower(g.owner) }
