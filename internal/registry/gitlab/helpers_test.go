package gitlab_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/gitlab"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

const (
	project = "team/app"
	token   = "glpat-Zq8x_KeepOutOfLogs" // fake
)

// fixture is the classic image set under project team/app (team/app/jarvis, …) in
// distribution v3 behind the GitLab fake, with a Developer token with the api scope.
type fixture struct {
	gl      *registrytest.GitLab
	backend *registrytest.Server
	digests map[string]string // "team/app/jarvis:PR3571-test" → digest
}

func newFixture(t *testing.T, opts ...registrytest.GitLabOption) *fixture {
	t.Helper()
	backend := registrytest.StartV3(t)
	var images []registrytest.Image
	for _, img := range registrytest.ClassicSet() {
		img.Repo = project + "/" + img.Repo
		images = append(images, img)
	}
	f := &fixture{backend: backend, digests: registrytest.MustSeed(t, backend, images)}
	f.gl = registrytest.StartGitLab(t, backend, opts...)
	f.gl.AddProject(project)
	f.gl.AddProject("other/thing")
	f.gl.AddToken(token, registrytest.GitLabDeveloper())
	return f
}

// client returns a Client for project (or o's group) whose transport trusts the
// fake's certificate and fails the test on any request to another host.
func (f *fixture) client(t *testing.T, s *httpxtest.Sleeps, opts ...func(*gitlab.Options)) *gitlab.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(f.gl.CertPEM())
	base := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	t.Cleanup(base.CloseIdleConnections)
	if s == nil {
		s = &httpxtest.Sleeps{}
	}
	o := gitlab.Options{
		API: f.gl.URL(), Project: project, Token: token, Scheme: "https",
		Transport:    hostGuard{t: t, next: base, allowed: []string{f.gl.Host(), strings.TrimPrefix(f.gl.URL(), "https://")}},
		RetryOptions: []httpx.RetryOption{httpx.WithSleep(s.Sleep)},
	}
	for _, opt := range opts {
		opt(&o)
	}
	c, err := gitlab.New(f.gl.Host(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
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
