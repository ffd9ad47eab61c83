package oci

import (
	"context"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.Ager = (*Client)(nil)

// Created reads the creation time from the image's config; an index is as old as
// its youngest child. A zero time means the image does not say.
func (c *Client) Created(ctx context.Context, repo string, m registry.Manifest) (time.Time, error) {
	r, err := c.repo(repo)
	if err != nil {
		return time.Time{}, err
	}
	digests := []string{m.Digest}
	if registry.IsIndex(m.MediaType) {
		digests = m.Children
	}
	var youngest time.Time
	for _, d := range digests {
		desc, err := c.puller.Get(ctx, r.Digest(d))
		if err != nil {
			return time.Time{}, fmt.Errorf("reading %s@%s: %w", repo, d, mapError(err))
		}
		img, err := desc.Image()
		if err != nil {
			return time.Time{}, fmt.Errorf("reading %s@%s: %w", repo, d, err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			return time.Time{}, fmt.Errorf("reading the config of %s@%s: %w", repo, d, mapError(err))
		}
		if cfg.Created.IsZero() {
			return time.Time{}, nil
		}
		if cfg.Created.After(youngest) {
			youngest = cfg.Created.Time
		}
	}
	return youngest, nil
}
