package registrytest

import (
	"net/http"
	"time"
)

// NewACR starts the fake in front of backend outside a test (the benchmark): fail
// receives what a test's Errorf would, a request the fake does not know. Close
// stops it.
func NewACR(backend *Server, fail func(format string, args ...any), opts ...ACROption) *ACR {
	a := &ACR{
		fake: newFake("ACR", backend, fail), audience: "https://containerregistry.azure.net",
		access: 75 * time.Minute, ref: 3 * time.Hour,
		identities: map[string]*acrIdentity{}, connections: map[string]acrConnection{},
		entra: map[string]string{}, refresh: map[string]acrGrant{}, tokens: map[string]acrGrant{},
		attrs: map[string]ACRAttributes{}, created: map[string]time.Time{}, seen: seenManifests{},
	}
	for _, o := range opts {
		o(a)
	}
	a.reg = a.start(ACRLoginServer, a.serveRegistry)
	a.login = a.start(ACRAuthority, a.serveLogin)
	return a
}

// The servers WithACRWrap names.
const (
	ACRLoginServer = "login server" // the registry: /oauth2, /acr/v1, /v2
	ACRAuthority   = "authority"    // Entra ID, the managed identity and the Azure DevOps OIDC endpoints
)

// WithACRWrap wraps the handler of each of the fake's servers (ACRLoginServer,
// ACRAuthority): a layer that delays, throttles or counts requests sees them at
// the fake's own address, so tokens and challenges stay valid.
func WithACRWrap(wrap func(server string, h http.Handler) http.Handler) ACROption {
	return func(a *ACR) { a.wrap = wrap }
}
