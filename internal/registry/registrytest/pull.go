package registrytest

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pull fetches host/repo:tag completely, as a docker pull would: the manifest, every
// child of an index, and each image's config and layers. It proves an image kept by a
// sweep (or restored) still works.
func Pull(ctx context.Context, host, repo, tag string) error {
	ref, err := name.ParseReference(host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		return err
	}
	desc, err := remote.Get(ref, remote.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("pulling %s:%s: %w", repo, tag, err)
	}
	var images []v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return err
		}
		for _, c := range m.Manifests {
			img, err := idx.Image(c.Digest)
			if err != nil {
				return fmt.Errorf("pulling %s:%s child %s: %w", repo, tag, c.Digest, err)
			}
			images = append(images, img)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return err
		}
		images = append(images, img)
	}
	for _, img := range images {
		if err := pullImage(img); err != nil {
			return fmt.Errorf("pulling %s:%s: %w", repo, tag, err)
		}
	}
	return nil
}

func pullImage(img v1.Image) error {
	if _, err := img.RawConfigFile(); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
