package oci

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

func countingClient(t *testing.T, s *registrytest.Server, o Options) (*Client, *counter) {
	t.Helper()
	cnt := newCounter()
	o.Scheme, o.Transport = "http", cnt
	c, err := New(s.Host(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c, cnt
}

// proofLeftovers lists the throwaway tags of an untag proof still in repo.
func proofLeftovers(t *testing.T, s *registrytest.Server, repo string) []string {
	t.Helper()
	c, _ := countingClient(t, s, Options{})
	tags, err := c.Tags(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(tags, func(tag string) bool { return !strings.HasPrefix(tag, "prsweep-untag-proof-") })
}

func TestProveUntag(t *testing.T) {
	ctx := context.Background()
	v3 := registrytest.StartV3(t)
	registrytest.MustSeed(t, v3, registrytest.ClassicSet())

	t.Run("v3 removes the tag alone", func(t *testing.T) {
		c, cnt := countingClient(t, v3, Options{})
		if err := c.ProveUntag(ctx, "jarvis"); err != nil {
			t.Fatalf("ProveUntag on distribution v3: %v", err)
		}
		if left := proofLeftovers(t, v3, "jarvis"); len(left) > 0 {
			t.Errorf("the proof left %v behind", left)
		}
		if cnt.n("PUT manifest") != 3 || cnt.n("DELETE manifest") != 4 {
			t.Errorf("want 3 manifest puts (by digest, 2 tags) and 4 deletes (probe, by digest untagged, tag, clean-up), sent %v", cnt.sent())
		}
		cnt.reset()
		if err := c.ProveUntag(ctx, "jarvis"); err != nil || cnt.n("") != 0 {
			t.Errorf("a second proof in the same repository: %v after %v; want the kept verdict and no request", err, cnt.sent())
		}
		// Another repository is proven on its own: permissions and proxies may differ.
		if err := c.ProveUntag(ctx, "jarvis_base"); err != nil || cnt.n("PUT manifest") != 3 {
			t.Errorf("proof in jarvis_base: %v, sent %v; want a proof of its own", err, cnt.sent())
		}
	})

	t.Run("a registry that deletes the manifest by tag", func(t *testing.T) {
		acrLike := registrytest.StartUntagDeletesManifest(t, v3)
		c, cnt := countingClient(t, acrLike, Options{})
		caps, err := c.Capabilities(ctx, "jarvis")
		if err != nil || !caps.Untag {
			t.Fatalf("capabilities %+v, %v: the probe alone cannot tell this registry from v3", caps, err)
		}
		err = c.ProveUntag(ctx, "jarvis")
		if !errors.Is(err, registry.ErrUnsupported) || !strings.Contains(err.Error(), "also removed tag") {
			t.Fatalf("ProveUntag where deleting a tag deletes the manifest: %v; want ErrUnsupported saying what went", err)
		}
		if left := proofLeftovers(t, v3, "jarvis"); len(left) > 0 {
			t.Errorf("the failed proof left %v behind", left)
		}
		tags, _ := c.Tags(ctx, "jarvis")
		if len(tags) != 12 {
			t.Errorf("jarvis has %d tags after the proof, want its 12", len(tags))
		}
		cnt.reset()
		if again := c.ProveUntag(ctx, "jarvis"); again == nil || again.Error() != err.Error() || cnt.n("") != 0 {
			t.Errorf("a second proof: %v after %v; want the kept failure and no request", again, cnt.sent())
		}
	})

	t.Run("a registry that answers 404 without deleting", func(t *testing.T) {
		c, _ := countingClient(t, falseNotFound(t, v3), Options{})
		err := c.ProveUntag(ctx, "jarvis")
		if !errors.Is(err, registry.ErrUnsupported) || !strings.Contains(err.Error(), "still serves it") {
			t.Errorf("ProveUntag where DELETE answers 404 and deletes nothing: %v", err)
		}
		if left := proofLeftovers(t, v3, "jarvis"); len(left) > 0 {
			t.Errorf("the proof left %v behind", left)
		}
	})

	t.Run("concurrent callers share one proof", func(t *testing.T) {
		c, cnt := countingClient(t, v3, Options{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := c.ProveUntag(ctx, "jarvisautomation"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := cnt.n("PUT manifest"); n != 3 {
			t.Errorf("8 concurrent callers put %d manifests, want one proof (3)", n)
		}
	})

	t.Run("configuration", func(t *testing.T) {
		acrLike := registrytest.StartUntagDeletesManifest(t, v3)
		c, cnt := countingClient(t, acrLike, Options{Untag: UntagTrusted})
		if err := c.ProveUntag(ctx, "jarvis"); err != nil || cnt.n("") != 0 {
			t.Errorf("untag: trusted: %v after %v; want nil without a request", err, cnt.sent())
		}
		c, cnt = countingClient(t, v3, Options{Untag: UntagOff})
		if err := c.ProveUntag(ctx, "jarvis"); !errors.Is(err, registry.ErrUnsupported) || cnt.n("") != 0 {
			t.Errorf("untag: off: %v after %v; want ErrUnsupported without a request", err, cnt.sent())
		}
		if caps, err := c.Capabilities(ctx, "jarvis"); err != nil || caps.Untag || !caps.Retag {
			t.Errorf("untag: off: capabilities %+v, %v", caps, err)
		}
	})

	t.Run("ACR hosts are refused without a try", func(t *testing.T) {
		for _, host := range []string{"contoso.azurecr.io", "contoso.azurecr.us"} {
			cnt := newCounter()
			c, err := New(host, Options{Transport: cnt, Untag: UntagTrusted})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ProveUntag(ctx, "jarvis"); !errors.Is(err, registry.ErrUnsupported) || cnt.n("") != 0 {
				t.Errorf("%s: %v after %v; want ErrUnsupported without a request", host, err, cnt.sent())
			}
		}
	})
}

// Distribution 2.8 cannot delete a tag at all: the probe says so, nothing is pushed.
func TestProveUntagDistribution28(t *testing.T) {
	s := registrytest.StartDistribution28(t)
	registrytest.MustSeed(t, s, registrytest.ClassicSet())
	c, cnt := countingClient(t, s, Options{})
	err := c.ProveUntag(context.Background(), "jarvis")
	if !errors.Is(err, registry.ErrUnsupported) {
		t.Errorf("ProveUntag on 2.8: %v, want ErrUnsupported", err)
	}
	if got := cnt.sent(); cnt.n("PUT manifest")+cnt.n("POST blob")+cnt.n("PUT blob") != 0 || cnt.n("DELETE manifest") != 1 {
		t.Errorf("on 2.8 the proof sent %v; want the probe DELETE and nothing pushed", got)
	}
}

// falseNotFound answers every DELETE with 404 MANIFEST_UNKNOWN without passing it on.
func falseNotFound(t *testing.T, backend *registrytest.Server) *registrytest.Server {
	return registrytest.StartProxy(t, backend, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodDelete {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
		})
	})
}
