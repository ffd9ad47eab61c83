package registrytest

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"testing"
)

// RequireDistribution28Env names the environment variable that, set to "1", turns a
// missing distribution 2.8 binary from a skipped test into a failed one (CI sets it).
const RequireDistribution28Env = "PRSWEEP_REQUIRE_DISTRIBUTION28"

// StartV3 starts distribution v3 in-process (NewV3) and stops it when the test ends.
func StartV3(t testing.TB, opts ...Option) *Server {
	t.Helper()
	// Not t.Context(): it is cancelled before cleanups run, which may still use the server.
	s, err := NewV3(context.Background(), opts...)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("registrytest: stopping distribution v3: %v", err)
		}
	})
	return s
}

// StartDistribution28 starts Debian's docker-registry (NewDistribution28) with its files
// in t.TempDir() and kills it when the test ends. Without the binary the test is
// skipped, or fails when PRSWEEP_REQUIRE_DISTRIBUTION28=1.
func StartDistribution28(t testing.TB, opts ...Option) *Server {
	t.Helper()
	requireBinary(t, Distribution28Binary, os.Getenv(RequireDistribution28Env) == "1")
	s, err := NewDistribution28(context.Background(), t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("registrytest: stopping distribution 2.8: %v", err)
		}
	})
	return s
}

// StartProxy is NewProxy, stopped when the test ends.
func StartProxy(t testing.TB, backend *Server, wrap func(next http.Handler) http.Handler) *Server {
	t.Helper()
	s := NewProxy(backend, wrap)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// StartUntagDeletesManifest is NewUntagDeletesManifest, stopped when the test ends.
func StartUntagDeletesManifest(t testing.TB, backend *Server) *Server {
	t.Helper()
	s := NewUntagDeletesManifest(backend)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// StartCyclingLinks is NewCyclingLinks, stopped when the test ends.
func StartCyclingLinks(t testing.TB, backend *Server, newURLs bool) *Server {
	t.Helper()
	s := NewCyclingLinks(backend, newURLs)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// requireBinary skips the test, or fails it when required, if path is not installed.
func requireBinary(t testing.TB, path string, required bool) {
	t.Helper()
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return
	case !errors.Is(err, fs.ErrNotExist):
		t.Fatalf("registrytest: %v", err)
	case required:
		t.Fatalf("registrytest: distribution 2.8 is required (%s=1) but %s is missing: %s",
			RequireDistribution28Env, path, InstallDistribution28)
	default:
		t.Skipf("registrytest: distribution 2.8 is not installed (%s is missing): %s", path, InstallDistribution28)
	}
}

// MustSeed seeds images into s and fails the test on error.
func MustSeed(t testing.TB, s *Server, images []Image) map[string]string {
	t.Helper()
	digests, err := s.Seed(context.Background(), images)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return digests
}
