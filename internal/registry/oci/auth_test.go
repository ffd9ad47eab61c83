package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// tokenRegistry puts distribution's token flow in front of a registry: /v2/ answers
// 401 with a Bearer challenge, the realm hands out a token for basic credentials, and
// only requests with a token for the right scope reach the registry.
type tokenRegistry struct {
	srv        *httptest.Server
	user, pass string
	mu         sync.Mutex
	scopes     []string          // every scope asked of the realm
	granted    map[string]string // token → scope
}

func newTokenRegistry(t *testing.T, backend *registrytest.Server, user, pass string) *tokenRegistry {
	t.Helper()
	tr := &tokenRegistry{user: user, pass: pass, granted: map[string]string{}}
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	mux.HandleFunc("/token", tr.token)
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		if !tr.allowed(r) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test-registry"`, tr.srv.URL))
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		r.Header.Del("Authorization")
		proxy.ServeHTTP(w, r)
	})
	tr.srv = httptest.NewServer(mux)
	t.Cleanup(tr.srv.Close)
	return tr
}

func (tr *tokenRegistry) host() string { return strings.TrimPrefix(tr.srv.URL, "http://") }

func (tr *tokenRegistry) token(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != tr.user || p != tr.pass || r.URL.Query().Get("service") != "test-registry" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	scope := strings.Join(r.URL.Query()["scope"], " ")
	tr.mu.Lock()
	tr.scopes = append(tr.scopes, scope)
	tok := fmt.Sprintf("tok-%d", len(tr.granted))
	tr.granted[tok] = scope
	tr.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 300})
}

// allowed checks the bearer token covers what the request does.
func (tr *tokenRegistry) allowed(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	tr.mu.Lock()
	scope, ok := tr.granted[tok]
	tr.mu.Unlock()
	if !ok {
		return false
	}
	if r.URL.Path == "/v2/" {
		return true
	}
	if r.URL.Path == "/v2/_catalog" {
		return strings.Contains(scope, "registry:catalog:*")
	}
	repo := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/", 2)[0]
	repo = strings.SplitN(repo, "/tags/", 2)[0]
	repo = strings.SplitN(repo, "/blobs/", 2)[0]
	repo = strings.SplitN(repo, "/referrers/", 2)[0]
	var want string
	switch r.Method {
	case http.MethodDelete:
		want = "delete"
	case http.MethodGet, http.MethodHead:
		want = "pull"
	default:
		want = "push"
	}
	for _, s := range strings.Fields(scope) {
		parts := strings.Split(s, ":")
		if len(parts) == 3 && parts[0] == "repository" && parts[1] == repo && slices.Contains(strings.Split(parts[2], ","), want) {
			return true
		}
	}
	return false
}

func TestBearerTokenFlow(t *testing.T) {
	ctx := context.Background()
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	tr := newTokenRegistry(t, backend, "sweeper", "s3cret")

	c, err := New(tr.host(), Options{Scheme: "http", Username: "sweeper", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(ctx, "jarvis")
	if err != nil || len(tags) != 12 {
		t.Fatalf("listing through the token flow: %d tags, %v", len(tags), err)
	}
	m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Capabilities(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodUntag); err != nil {
		t.Fatalf("deleting through the token flow: %v", err)
	}
	if !slices.ContainsFunc(tr.scopes, func(s string) bool { return strings.Contains(s, "repository:jarvis:push,pull,delete") }) {
		t.Errorf("no token asked for the delete scope; scopes asked: %v", tr.scopes)
	}

	bad, _ := New(tr.host(), Options{Scheme: "http", Username: "sweeper", Password: "wrong"})
	if _, err := bad.Tags(ctx, "jarvis"); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v", err)
	}
}

// Without credentials in the config, the docker config.json is asked.
func TestDockerConfigCredentials(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	tr := newTokenRegistry(t, backend, "from-docker-config", "pw")
	dir := t.TempDir()
	auth := fmt.Sprintf(`{"auths":{%q:{"auth":"ZnJvbS1kb2NrZXItY29uZmlnOnB3"}}}`, tr.host()) // from-docker-config:pw
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	c, err := New(tr.host(), Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	if tags, err := c.Tags(context.Background(), "jarvis"); err != nil || len(tags) != 12 {
		t.Errorf("with docker config.json credentials: %d tags, %v", len(tags), err)
	}
}

// Plain http goes out only where it was allowed.
func TestSchemeGuard(t *testing.T) {
	var got []string
	rec := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.Scheme+"://"+r.URL.Host)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	for _, tc := range []struct{ scheme, url string }{
		{"", "http://10.0.0.5:5000/v2/"},
		{"https", "http://localhost:5000/v2/"},
		{"", "http://127.0.0.1:5000/v2/"},
		{"http", "http://registry.lab:5000/v2/"},
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		_, _ = schemeGuard{rec, tc.scheme}.RoundTrip(req)
	}
	want := []string{"https://10.0.0.5:5000", "https://localhost:5000", "http://127.0.0.1:5000", "http://registry.lab:5000"}
	if !slices.Equal(got, want) {
		t.Errorf("schemes sent %v, want %v", got, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
