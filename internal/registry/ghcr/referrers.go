package ghcr

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ReferrerLister = (*Client)(nil)

// Referrers lists the versions of repo whose manifest names digest as its subject
// (signatures, attestations, SBOMs pushed the OCI 1.1 way, tagged or not), from the
// package's versions and what their manifests say: the last listing and the
// manifests already read, so after ListManifests it sends no request. A version
// whose manifest cannot be read fails it (the caller then keeps the referrers).
func (c *Client) Referrers(ctx context.Context, repo, digest string) ([]string, error) {
	c.mu.Lock()
	listed := slices.Collect(maps.Keys(c.versions[repo]))
	c.mu.Unlock()
	if listed == nil {
		vs, err := c.listVersions(ctx, repo)
		if err != nil {
			return nil, fmt.Errorf("listing the referrers of %s@%s: %w", repo, digest, err)
		}
		for _, v := range vs {
			listed = append(listed, v.Name)
		}
	}
	slices.Sort(listed)
	var out []string
	for _, d := range listed {
		info, ok := c.known(repo, d)
		if !ok {
			var err error
			info, err = c.readInfo(ctx, repo, d)
			switch {
			case errors.Is(err, registry.ErrNotFound):
				continue // deleted since the listing
			case err != nil:
				return nil, fmt.Errorf("listing the referrers of %s@%s: %w", repo, digest, err)
			}
		}
		if info.subject == digest {
			out = append(out, d)
		}
	}
	return out, nil
}
