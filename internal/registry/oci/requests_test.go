package oci

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// A sweep-like sequence in one repository (list, probe, resolve and ask the
// referrers of every tag, read a manifest and an image's age, delete three ways)
// signs in once per scope: one GET /v2/ ping and one token for pull, one of each for
// push,pull,delete. The referrers API is asked once: both registries answer 404, and
// no sha256-<hex> fallback tag is read.
func TestRequestsPerScope(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			backend := start(t)
			digests := registrytest.MustSeed(t, backend, registrytest.ClassicSet())
			tr := newTokenRegistry(t, backend, "sweeper", "s3cret")
			cnt := newCounter()
			c, err := New(tr.host(), Options{Scheme: "http", Username: "sweeper", Password: "s3cret", Transport: cnt})
			if err != nil {
				t.Fatal(err)
			}
			tags, err := c.Tags(ctx, "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			caps, err := c.Capabilities(ctx, "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range tags {
				m, err := c.Resolve(ctx, "jarvis", tag)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.Referrers(ctx, "jarvis", m.Digest); !errors.Is(err, registry.ErrUnsupported) {
					t.Errorf("referrers of %s on %s: %v, want ErrUnsupported (no referrers API)", tag, kind, err)
				}
			}
			dev := registry.Manifest{Digest: digests["jarvis:5.32.0-develop"], MediaType: registry.MediaTypeDockerManifest}
			if _, _, err := c.Manifest(ctx, "jarvis", dev.Digest); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Created(ctx, "jarvis", dev); err != nil {
				t.Fatal(err)
			}
			if caps.Untag {
				if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{}, registry.MethodUntag); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test-arm", registry.Manifest{Digest: digests["jarvis:PR3571-test-arm"]}, registry.MethodDigest); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3574-test", registry.Manifest{}, registry.MethodRetag); err != nil {
				t.Fatal(err)
			}

			if got := cnt.n("GET ping"); got != 2 {
				t.Errorf("%d GET /v2/ pings, want 2 (one per scope: pull; push,pull,delete)", got)
			}
			if got := cnt.n("GET token"); got != 2 {
				t.Errorf("%d tokens asked, want 2 (one per scope); scopes asked: %v", got, tr.scopes)
			}
			if got := cnt.n("GET referrers"); got != 1 {
				t.Errorf("the referrers API was asked %d times, want once", got)
			}
			if got := cnt.n("HEAD manifest"); got != len(tags) {
				t.Errorf("%d HEADs of manifests for %d tags", got, len(tags))
			}
			for _, u := range cnt.sent() {
				if strings.Contains(u, "/manifests/sha256-") {
					t.Errorf("a fallback tag was read: %s", u)
				}
			}
			if t.Failed() {
				t.Logf("requests sent: %v", cnt.sent())
			}
		})
	}
}

// Callers that start at once in a repository wait for one sign-in.
func TestConcurrentSignIn(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	tr := newTokenRegistry(t, backend, "sweeper", "s3cret")
	cnt := newCounter()
	c, err := New(tr.host(), Options{Scheme: "http", Username: "sweeper", Password: "s3cret", Transport: cnt})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Resolve(context.Background(), "jarvis", "PR3571-test"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if cnt.n("GET ping") != 1 || cnt.n("GET token") != 1 {
		t.Errorf("8 concurrent first reads: %d pings, %d tokens; want one of each", cnt.n("GET ping"), cnt.n("GET token"))
	}
}
