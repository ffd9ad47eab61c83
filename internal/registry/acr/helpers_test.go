package acr_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

const (
	tenant   = "0f1e2d3c-0000-4000-8000-00000000aaaa"
	clientID = "11111111-2222-4333-8444-555555555555"
	secret   = "sp-s3cret-Qv7~x9.KeepOutOfLogs" // fake
)

// fixture is the classic image set in distribution v3 behind the ACR fake, with a
// service principal that may list, read and delete.
type fixture struct {
	acr     *registrytest.ACR
	digests map[string]string
	backend *registrytest.Server
}

func newFixture(t *testing.T, opts ...registrytest.ACROption) *fixture {
	t.Helper()
	backend := registrytest.StartV3(t)
	digests := registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	f := registrytest.StartACR(t, backend, opts...)
	f.AddServicePrincipal(tenant, clientID, secret, registrytest.ACRContributor())
	return &fixture{acr: f, digests: digests, backend: backend}
}

// spCredentials signs in as the fixture's service principal.
func (f *fixture) spCredentials() acr.Credentials {
	return acr.Credentials{Auth: acr.AuthClientSecret, TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityHost: f.acr.AuthorityHost()}
}

// client returns a Client for the fake whose transport trusts the fake's certificate
// and fails the test on any request to another host (Entra instance discovery would
// go to login.microsoftonline.com).
func (f *fixture) client(t *testing.T, c acr.Credentials, s *httpxtest.Sleeps, opts ...func(*acr.Options)) *acr.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(f.acr.CertPEM())
	base := &http.Transport{TLSClientConfig: tlsConfig(pool)}
	t.Cleanup(base.CloseIdleConnections)
	if s == nil {
		s = &httpxtest.Sleeps{}
	}
	o := acr.Options{
		Credentials:  c,
		Transport:    hostGuard{t: t, next: base, allowed: []string{f.acr.Host(), strings.TrimPrefix(strings.TrimSuffix(f.acr.AuthorityHost(), "/"), "https://")}},
		RetryOptions: []httpx.RetryOption{httpx.WithSleep(s.Sleep)},
	}
	for _, opt := range opts {
		opt(&o)
	}
	cl, err := acr.New(f.acr.Host(), o)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

type hostGuard struct {
	t       *testing.T
	next    http.RoundTripper
	allowed []string
}

func (g hostGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	for _, h := range g.allowed {
		if r.URL.Host == h {
			return g.next.RoundTrip(r)
		}
	}
	g.t.Errorf("a request left the test: %s %s", r.Method, r.URL.Redacted())
	return nil, http.ErrUseLastResponse
}

func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}
