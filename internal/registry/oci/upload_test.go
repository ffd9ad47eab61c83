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

// A blob upload whose chunk (PATCH) is answered 500 sends the chunk again, and
// the untag proof, which pushes a throwaway image, goes through: the bench's
// faults mode saw one such 500 fail every deletion of a repository.
func TestProofSurvivesAFailedChunk(t *testing.T) {
	v3 := registrytest.StartV3(t)
	registrytest.MustSeed(t, v3, registrytest.ClassicSet())
	var patches atomic.Int32
	front := registrytest.StartProxy(t, v3, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/blobs/uploads/") && patches.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	c, _ := countingClient(t, front, Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(func(context.Context, time.Duration) error { return nil })}})
	if err := c.ProveUntag(context.Background(), "jarvis"); err != nil {
		t.Fatalf("ProveUntag after one failed chunk: %v", err)
	}
	if patches.Load() < 2 {
		t.Fatalf("%d PATCH requests: the test did not fail a chunk and see another", patches.Load())
	}
}
