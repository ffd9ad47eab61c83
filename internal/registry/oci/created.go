package oci

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.Ager = (*Client)(nil)

// Created reads the creation time from the image's config. An index is as old as
// its youngest platform image; its attestation manifests (BuildKit's provenance and
// SBOM) have no created and are not images, so they do not count. A zero time means
// the image does not say: an image without created, or an index with a platform
// image without it, or with no platform image at all.
func (c *Client) Created(ctx context.Context, repo string, m registry.Manifest) (time.Time, error) {
	r, err := c.repo(repo)
	if err != nil {
		return time.Time{}, err
	}
	digests := []string{m.Digest}
	if registry.IsIndex(m.MediaType) {
		if digests, err = c.platformImages(ctx, r, repo, m.Digest); err != nil {
			return time.Time{}, err
		}
		if len(digests) == 0 {
			return time.Time{}, nil
		}
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

// platformImages reads the index and returns the digests of the entries that are
// images of a platform: not those BuildKit marks as attestation manifests, nor any
// listed under platform unknown/unknown, which is how BuildKit lists them.
func (c *Client) platformImages(ctx context.Context, r name.Repository, repo, digest string) ([]string, error) {
	desc, err := c.puller.Get(ctx, r.Digest(digest))
	if err != nil {
		return nil, fmt.Errorf("reading %s@%s: %w", repo, digest, mapError(err))
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading %s@%s: %w", repo, digest, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading %s@%s: %w", repo, digest, err)
	}
	var out []string
	for _, d := range im.Manifests {
		if !isAttestation(d) {
			out = append(out, d.Digest.String())
		}
	}
	return out, nil
}

// isAttestation reports whether an index entry is an attestation manifest rather
// than a platform image (docs.docker.com/build/metadata/attestations/attestation-storage).
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}
