package ghcr_test

import (
	"context"
	"slices"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/ghcr"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

const (
	owner = "Contoso"                                  // mixed case: the registry's paths are lowercase
	token = "ghp_fakeClassicToken0123456789abcdefABCD" // fake
)

// fixture is the classic image set in distribution v3 behind the GHCR fake, with
// a classic token that may read, write and delete packages.
type fixture struct {
	backend *registrytest.Server
	ghcr    *registrytest.GHCR
	digests map[string]string
	caFile  string
	waits   *httpxtest.Sleeps
}

func newFixture(t *testing.T, opts ...registrytest.GHCROption) *fixture {
	t.Helper()
	backend := registrytest.StartV3(t)
	f := &fixture{backend: backend, digests: registrytest.MustSeed(t, backend, registrytest.ClassicSet()), waits: &httpxtest.Sleeps{}}
	f.ghcr = registrytest.StartGHCR(t, backend, owner, opts...)
	f.ghcr.AddClassicToken(token, "read:packages", "write:packages", "delete:packages")
	f.caFile = f.ghcr.WriteCAFile(t, t.TempDir())
	return f
}

// client returns a Client for the fake signed in with tok.
func (f *fixture) client(t *testing.T, tok string, opts ...func(*ghcr.Options)) *ghcr.Client {
	t.Helper()
	o := ghcr.Options{API: f.ghcr.APIURL(), Owner: owner, Token: tok, CAFile: f.caFile,
		RetryOptions: []httpx.RetryOption{httpx.WithSleep(f.waits.Sleep)}}
	for _, opt := range opts {
		opt(&o)
	}
	c, err := ghcr.New(f.ghcr.Host(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tags lists repo's tags straight from the backend registry.
func (f *fixture) tags(t *testing.T, repo string) []string {
	t.Helper()
	c, err := oci.New(f.backend.Host(), oci.Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tags)
	return tags
}

var ctx = context.Background()

func withPageSize(n int) func(*ghcr.Options) { return func(o *ghcr.Options) { o.PageSize = n } }
