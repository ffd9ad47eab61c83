package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/prsweep/prsweep/internal/registry"
)

// Repositories lists the catalog, following every page.
func (c *Client) Repositories(ctx context.Context) ([]string, error) {
	repos, err := c.puller.Catalog(ctx, c.reg)
	if err != nil {
		return nil, fmt.Errorf("listing the catalog of %s: %w", c.reg.Name(), mapError(err))
	}
	return repos, nil
}

// Tags lists every tag of repo, following Link pages; a failed page fails the listing.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	r, err := c.repo(repo)
	if err != nil {
		return nil, err
	}
	tags, err := c.puller.List(ctx, r)
	if err != nil {
		return nil, mapError(err)
	}
	return tags, nil
}

// Resolve reads the manifest a tag points at, asking for all four manifest media
// types so the registry answers with the digest the tag really holds.
func (c *Client) Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error) {
	r, err := c.repo(repo)
	if err != nil {
		return registry.Manifest{}, err
	}
	ref := r.Tag(tag)
	desc, err := c.puller.Head(ctx, ref)
	if err != nil {
		return registry.Manifest{}, mapError(err)
	}
	m := registry.Manifest{Digest: desc.Digest.String(), MediaType: string(desc.MediaType)}
	if !registry.IsIndex(m.MediaType) {
		return m, nil
	}
	// Read the index by digest: the tag may have moved since the HEAD.
	full, err := c.puller.Get(ctx, r.Digest(m.Digest))
	if err != nil {
		return registry.Manifest{}, mapError(err)
	}
	var idx struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(full.Manifest, &idx); err != nil {
		return registry.Manifest{}, fmt.Errorf("reading index %s: %w", m.Digest, err)
	}
	for _, d := range idx.Manifests {
		m.Children = append(m.Children, d.Digest)
	}
	return m, nil
}

// mapError turns go-containerregistry's errors into registry's sentinels.
func mapError(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	switch te.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %v", registry.ErrNotFound, err)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w: %v", registry.ErrUnauthorized, err)
	case http.StatusMethodNotAllowed:
		return fmt.Errorf("%w: %v", registry.ErrUnsupported, err)
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return fmt.Errorf("%w: %v", registry.ErrNotFound, err)
		case transport.UnsupportedErrorCode:
			return fmt.Errorf("%w: %v", registry.ErrUnsupported, err)
		}
	}
	return err
}
