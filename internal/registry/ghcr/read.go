package ghcr

import (
	"context"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
)

// Resolve reads the manifest a tag points at through the registry's OCI API (all
// four manifest media types asked for; an index's children read).
func (c *Client) Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error) {
	m, err := c.oci.Resolve(ctx, c.ociRepo(repo), tag)
	if err != nil {
		return registry.Manifest{}, fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
	}
	return m, nil
}

// Manifest returns the manifest with this digest as the registry serves it.
func (c *Client) Manifest(ctx context.Context, repo, digest string) ([]byte, string, error) {
	raw, mediaType, err := c.oci.Manifest(ctx, c.ociRepo(repo), digest)
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest %s@%s: %w", repo, digest, err)
	}
	return raw, mediaType, nil
}

// PutManifest uploads raw under ref, a tag or its own digest, through the OCI API
// (restore; the token needs write:packages).
func (c *Client) PutManifest(ctx context.Context, repo, ref string, raw []byte, mediaType string) error {
	if err := c.oci.PutManifest(ctx, c.ociRepo(repo), ref, raw, mediaType); err != nil {
		return fmt.Errorf("uploading manifest %s:%s: %w", repo, ref, err)
	}
	return nil
}

// Created returns when m's version was created, from the last listing of repo (or
// a new one when m is not in it); an index is as old as its youngest child.
func (c *Client) Created(ctx context.Context, repo string, m registry.Manifest) (time.Time, error) {
	digests := append([]string{m.Digest}, m.Children...)
	var youngest time.Time
	relisted := false
	for i, d := range digests {
		v, ok := c.listed(repo, d)
		if !ok && !relisted {
			relisted = true
			if _, err := c.freshVersions(ctx, repo); err != nil { // shared by the calls waiting alike
				return time.Time{}, fmt.Errorf("reading when %s@%s was pushed: %w", repo, d, err)
			}
			v, ok = c.listed(repo, d)
		}
		switch {
		case !ok && i > 0:
			continue // a child that is not a version of its own here
		case !ok:
			return time.Time{}, fmt.Errorf("reading when %s@%s was pushed: %w: no such version", repo, d, registry.ErrNotFound)
		}
		if v.CreatedAt.After(youngest) {
			youngest = v.CreatedAt
		}
	}
	return youngest, nil
}

// listed returns digest's version from repo's last listing.
func (c *Client) listed(repo, digest string) (version, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.versions[repo][digest]
	return v, ok
}
