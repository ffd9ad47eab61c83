package registrytest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MakeDangling removes the manifest with digest from repo's storage while the tags
// pointing at it stay listed: what distribution 2.8 leaves behind when a manifest
// DELETE fails half-way through its walk over the repository's tags (HEAD of such a
// tag answers 404, tags/list still shows it). Distribution 2.8 only: it works on the
// filesystem storage.
func (s *Server) MakeDangling(repo, digest string) error {
	if s.storage == "" {
		return errors.New("making a tag dangling: only distribution 2.8's filesystem storage can be edited")
	}
	algo, hex, ok := strings.Cut(digest, ":")
	if !ok {
		return fmt.Errorf("making a tag dangling: %q is not a digest", digest)
	}
	link := filepath.Join(s.storage, "docker", "registry", "v2", "repositories", repo, "_manifests", "revisions", algo, hex, "link")
	if err := os.Remove(link); err != nil {
		return fmt.Errorf("making a tag dangling: %w", err)
	}
	return nil
}
