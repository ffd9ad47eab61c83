package acr

import (
	"context"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.Ager = (*Client)(nil)

// Created returns when the image was pushed to this registry: ACR's createdTime of
// the manifest (as acr purge ages images), or for an index, of the youngest of the
// index and its children. A zero time means ACR did not say.
func (c *Client) Created(ctx context.Context, repo string, m registry.Manifest) (time.Time, error) {
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return time.Time{}, err
	}
	var youngest time.Time
	for _, d := range append([]string{m.Digest}, m.Children...) {
		mp, err := cl.GetManifestProperties(ctx, repo, d, nil)
		if err != nil {
			return time.Time{}, fmt.Errorf("reading the attributes of %s@%s: %w", repo, d, mapError(err))
		}
		if mp.Manifest == nil || mp.Manifest.CreatedOn == nil {
			return time.Time{}, nil
		}
		if mp.Manifest.CreatedOn.After(youngest) {
			youngest = *mp.Manifest.CreatedOn
		}
	}
	return youngest, nil
}
