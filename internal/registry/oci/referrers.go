package oci

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ReferrerLister = (*Client)(nil)

// Referrers lists the manifests whose subject is digest, by the referrers API or,
// where the registry has none, the sha256-<hex> fallback tag.
func (c *Client) Referrers(ctx context.Context, repo, digest string) ([]string, error) {
	r, err := c.repo(repo)
	if err != nil {
		return nil, err
	}
	idx, err := remote.Referrers(r.Digest(digest), append(c.ropts, remote.WithContext(ctx))...)
	if err != nil {
		return nil, fmt.Errorf("listing the referrers of %s@%s: %w", repo, digest, mapError(err))
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("listing the referrers of %s@%s: %w", repo, digest, mapError(err))
	}
	var out []string
	for _, d := range m.Manifests {
		out = append(out, d.Digest.String())
	}
	return out, nil
}
