package oci

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ManifestStore = (*Client)(nil)

// Manifest returns the manifest with this digest, as the registry serves it.
func (c *Client) Manifest(ctx context.Context, repo, digest string) ([]byte, string, error) {
	r, err := c.repo(repo)
	if err != nil {
		return nil, "", err
	}
	desc, err := c.puller.Get(ctx, r.Digest(digest))
	if err != nil {
		return nil, "", mapError(err)
	}
	return desc.Manifest, string(desc.MediaType), nil
}

// PutManifest uploads raw under ref, a tag or a digest.
func (c *Client) PutManifest(ctx context.Context, repo, ref string, raw []byte, mediaType string) error {
	r, err := c.repo(repo)
	if err != nil {
		return err
	}
	var target name.Reference = r.Tag(ref)
	if isDigest(ref) {
		target = r.Digest(ref)
	} else {
		release, err := c.holdTagLinks(ctx, repo, true)
		if err != nil {
			return err
		}
		defer release()
	}
	return mapError(c.pusher.Put(ctx, target, rawManifest{raw, types.MediaType(mediaType)}))
}

// rawManifest is a manifest go-containerregistry can put as it is.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }
