package registrytest

import (
	"crypto/x509"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// ACR is a fake of Azure Container Registry's data plane and of the Entra ID token
// endpoint, built from ACR's and Entra's documented request and response shapes, in
// front of a real registry that holds the images (NewV3 + Seed). Two TLS servers
// on 127.0.0.1 play the registry's login server and the Entra authority; both use
// httptest's certificate, which CertPEM returns for the client to trust.
//
// Login server: POST /oauth2/exchange (Entra access token → ACR refresh token),
// POST /oauth2/token (refresh token + scope → access token), GET /oauth2/token
// (basic credentials + scope → access token), GET /acr/v1/_catalog, GET
// /acr/v1/{repo}, GET /acr/v1/{repo}/_tags (n, last, orderby, digest; Link
// paging), GET and DELETE /acr/v1/{repo}/_tags/{tag}, GET /acr/v1/{repo}/_manifests
// (n, last, orderby; Link paging), GET /acr/v1/{repo}/_manifests/{digest}, and GET,
// HEAD, PUT and DELETE /v2/{repo}/manifests/{ref}. Every data request needs an ACR
// access token whose access claim covers it; otherwise 401 with a Bearer challenge
// naming the scope. A delete or upload that a lock forbids gets 405
// REGISTRY_DISALLOWED_OPERATION. A listing gives at most 1,000 items a page, whatever
// n asks (as ACR does), and leaves out what has listEnabled false.
//
// Authority: GET /{tenant}/v2.0/.well-known/openid-configuration and POST
// /{tenant}/oauth2/v2.0/token (client credentials with a secret, a certificate
// assertion or a federated assertion); an App Service managed identity endpoint
// (GET /msi/token); and Azure DevOps' OIDC token endpoint for
// AzurePipelinesCredential.
//
// Any other request fails the test, and so does any PATCH: prsweep never changes
// attributes (it never unlocks). Locks, timestamps and identities live in the
// fake; the images in the backend registry. Requests records what was served as
// "METHOD route", e.g. "DELETE /acr/v1/{repo}/_tags/{tag}" or "POST /oauth2/token";
// Throttle and ThrottleEvery answer the login server's requests 429.
type ACR struct {
	fake
	throttler
	reg, login  *httptest.Server
	audience    string
	access, ref time.Duration // token lifetimes

	// Under mu (the fake's):
	identities  map[string]*acrIdentity // by client id, or "basic:"+user
	connections map[string]acrConnection
	managed     string              // the managed identity's client id
	entra       map[string]string   // Entra access token → identity key
	refresh     map[string]acrGrant // ACR refresh token → grant
	tokens      map[string]acrGrant // ACR access token → grant
	generation  int                 // access tokens issued before this one are expired
	attrs       map[string]ACRAttributes
	created     map[string]time.Time // "repo:tag" and "repo@digest": first seen

	seen             seenManifests // the manifests the listing knows
	hiddenTagsListed bool          // WithACRHiddenTagsInManifestListing
}

// ACRRole is what an identity may do: "catalog" (list repositories), and the
// repository actions "metadata_read", "pull", "push" and "delete".
type ACRRole []string

// ACRReader may list and read, not delete (Container Registry Repository Reader
// plus Catalog Lister; AcrPull).
func ACRReader() ACRRole { return ACRRole{"catalog", "metadata_read", "pull"} }

// ACRContributor may also push and delete (Container Registry Repository
// Contributor; AcrPush with AcrDelete).
func ACRContributor() ACRRole { return append(ACRReader(), "push", "delete") }

// ACRAttributes are the changeable attributes of a repository, tag or manifest.
type ACRAttributes struct {
	DeleteEnabled, WriteEnabled, ReadEnabled, ListEnabled bool
}

// ACRUnlocked is what ACR gives a new repository, tag or manifest.
func ACRUnlocked() ACRAttributes { return ACRAttributes{true, true, true, true} }

type acrIdentity struct {
	tenant    string
	secret    string            // client secret, or basic password
	cert      *x509.Certificate // certificate credential
	assertion string            // federated credential: the accepted client assertion
	role      ACRRole
}

type acrConnection struct{ clientID, systemToken, assertion string }

// ACROption configures StartACR.
type ACROption func(*ACR)

// WithACRClock sets the fake's clock: token expiry and timestamps (default time.Now).
func WithACRClock(now func() time.Time) ACROption { return func(a *ACR) { a.now = now } }

// WithACRTokenLifetimes sets how long ACR access and refresh tokens live (default
// 75 minutes and 3 hours). The refresh token's exp claim is what the SDK caches by.
func WithACRTokenLifetimes(access, refresh time.Duration) ACROption {
	return func(a *ACR) { a.access, a.ref = access, refresh }
}

// StartACR starts the fake in front of backend and stops it when the test ends. A
// request the fake does not know fails t.
func StartACR(t testing.TB, backend *Server, opts ...ACROption) *ACR {
	t.Helper()
	a := NewACR(backend, t.Errorf, opts...)
	t.Cleanup(a.Close)
	return a
}

// Host returns the login server, "127.0.0.1:PORT": registry.url of the config.
func (a *ACR) Host() string { return strings.TrimPrefix(a.reg.URL, "https://") }

// AuthorityHost returns the Entra authority, "https://127.0.0.1:PORT/".
func (a *ACR) AuthorityHost() string { return a.login.URL + "/" }

// SetRepositoryAttributes, SetTagAttributes and SetManifestAttributes set
// changeable attributes, as `az acr repository update` would.
func (a *ACR) SetRepositoryAttributes(repo string, at ACRAttributes) { a.setAttrs(repo, at) }

// SetTagAttributes: see SetRepositoryAttributes.
func (a *ACR) SetTagAttributes(repo, tag string, at ACRAttributes) { a.setAttrs(repo+":"+tag, at) }

// SetManifestAttributes: see SetRepositoryAttributes.
func (a *ACR) SetManifestAttributes(repo, digest string, at ACRAttributes) {
	a.setAttrs(repo+"@"+digest, at)
}

func (a *ACR) setAttrs(key string, at ACRAttributes) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attrs[key] = at
}

func (a *ACR) attributes(key string) ACRAttributes {
	a.mu.Lock()
	defer a.mu.Unlock()
	if at, ok := a.attrs[key]; ok {
		return at
	}
	return ACRUnlocked()
}

// SetCreated sets the created and last-update time of "repo:tag" or "repo@digest".
func (a *ACR) SetCreated(key string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.created[key] = t
}

func (a *ACR) createdTime(key string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.created[key]
	if !ok {
		t = a.now().UTC().Truncate(time.Second)
		a.created[key] = t
	}
	return t
}

// ExpireAccessTokens makes every ACR access token issued so far expired: the next
// request with one gets 401 with error="invalid_token", and the client must get a
// new one with its refresh token.
func (a *ACR) ExpireAccessTokens() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.generation++
}
