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

// Repositories lists the catalog, following every page; a Link already followed or
// a page that brings nothing new fails the listing.
func (c *Client) Repositories(ctx context.Context) ([]string, error) {
	fail := func(err error) ([]string, error) {
		return nil, fmt.Errorf("listing the catalog of %s: %w", c.reg.Name(), err)
	}
	pages, err := c.puller.Catalogger(ctx, c.reg)
	if err != nil {
		return fail(mapError(err))
	}
	var repos []string
	var guard pageGuard
	listed := map[string]bool{}
	for pages.HasNext() {
		page, err := pages.Next(ctx)
		if err != nil {
			return fail(mapError(err))
		}
		fresh := 0
		for _, r := range page.Repos {
			if !listed[r] {
				listed[r] = true
				repos = append(repos, r)
				fresh++
			}
		}
		if page.Next != "" {
			if err := guard.next(page.Next, fresh); err != nil {
				return fail(err)
			}
		}
	}
	return repos, nil
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
