package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push writes the index and its images to ref (registry/repository:tag), signing
// in as docker and crane do (~/.docker/config.json, credential helpers). insecure
// allows plain HTTP; localhost and loopback registries get it anyway.
func Push(ctx context.Context, ref string, idx v1.ImageIndex, insecure bool) (v1.Hash, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("parsing the image reference %q: %w", ref, err)
	}
	if err := remote.WriteIndex(r, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return v1.Hash{}, fmt.Errorf("pushing %s: %w", r, err)
	}
	return idx.Digest()
}

// WriteLayout writes the index into an OCI image layout at dir (created if
// missing), named tag by the org.opencontainers.image.ref.name annotation, so
// `crane push`, skopeo or a registry's import can take it from there.
func WriteLayout(dir, tag string, idx v1.ImageIndex) (v1.Hash, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return v1.Hash{}, fmt.Errorf("opening the layout %s: %w", dir, err)
		}
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return v1.Hash{}, fmt.Errorf("creating the layout %s: %w", dir, err)
		}
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
		return v1.Hash{}, fmt.Errorf("writing the index into %s: %w", dir, err)
	}
	return idx.Digest()
}
