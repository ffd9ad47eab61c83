package oci

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// The proof's clean-up reads the tag listing, not HEAD: a throwaway tag whose
// manifest is gone (a digest DELETE cut short leaves it dangling; HEAD answers 404)
// is still removed by tag.
func TestProofCleansUpDanglingTags(t *testing.T) {
	v3 := registrytest.StartV3(t)
	registrytest.MustSeed(t, v3, registrytest.ClassicSet())
	var digestDeletes atomic.Int32
	front := registrytest.StartProxy(t, v3, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			proofTag := strings.Contains(r.URL.Path, "/manifests/prsweep-untag-proof-")
			byDigest := r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/manifests/sha256:")
			switch {
			case byDigest && digestDeletes.Add(1) > 1:
				// The clean-up's digest DELETE: the registry removed the manifest but the
				// answer was lost, and the tags are left pointing at nothing.
				http.Error(w, "reset", http.StatusBadGateway)
				return
			case r.Method == http.MethodHead && proofTag && digestDeletes.Load() > 1:
				w.WriteHeader(http.StatusNotFound) // as for a dangling tag
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	c, _ := countingClient(t, front, Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(func(context.Context, time.Duration) error { return nil })}})
	_ = c.ProveUntag(context.Background(), "jarvis")
	if left := proofLeftovers(t, v3, "jarvis"); len(left) > 0 {
		t.Errorf("the proof left %v behind", left)
	}
}

// A 404 that is not the truth on the clean-up's DELETEs (a proxy's, a replica's)
// gets another round: the throwaway tags do not stay behind.
func TestProofCleanUpTriesAgainAfterA404(t *testing.T) {
	v3 := registrytest.StartV3(t)
	registrytest.MustSeed(t, v3, registrytest.ClassicSet())
	var digestDeletes, tagDeletes atomic.Int32
	front := registrytest.StartProxy(t, v3, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				byDigest := strings.Contains(r.URL.Path, "/manifests/sha256:")
				cleanup := byDigest && digestDeletes.Add(1) == 2 || // the first is the untagged throwaway's check
					!byDigest && strings.HasSuffix(r.URL.Path, "-b") && tagDeletes.Add(1) == 1
				if cleanup {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusNotFound)
					_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	c, _ := countingClient(t, front, Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(func(context.Context, time.Duration) error { return nil })}})
	if err := c.ProveUntag(context.Background(), "jarvis"); err != nil {
		t.Fatalf("ProveUntag: %v", err)
	}
	if left := proofLeftovers(t, v3, "jarvis"); len(left) > 0 {
		t.Errorf("the proof left %v behind", left)
	}
}
