package registrytest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

const (
	// SeedLabel is the config label that carries an image's seed.
	SeedLabel = "prsweep.seed"
	// DefaultPlatform is the platform of an Image without one.
	DefaultPlatform = "linux/amd64"
	// layerSize is the size of each of the two layers, in bytes.
	layerSize = 512
)

// buildImage builds the image an Image describes (SameAs already resolved). Only the
// standard library's math/rand, whose seeded sequence is stable across Go releases,
// and JSON encoding go into it, so the digest never changes.
func buildImage(img Image) (v1.Image, error) {
	plat, err := parsePlatform(img.Platform)
	if err != nil {
		return nil, err
	}
	manifestType, configType, layerType := types.DockerManifestSchema2, types.DockerConfigJSON, types.DockerLayer
	if img.OCI {
		manifestType, configType, layerType = types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer
	}

	rnd := rand.New(rand.NewSource(img.Seed))
	layers := make([]v1.Layer, 2)
	for i := range layers {
		b := make([]byte, layerSize)
		for j := 0; j < len(b); j += 8 {
			binary.LittleEndian.PutUint64(b[j:], rnd.Uint64())
		}
		layers[i] = static.NewLayer(b, layerType)
	}

	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, manifestType), configType)
	out, err := mutate.ConfigFile(base, &v1.ConfigFile{
		Architecture: plat.Architecture,
		OS:           plat.OS,
		Variant:      plat.Variant,
		RootFS:       v1.RootFS{Type: "layers"},
		Config:       v1.Config{Labels: map[string]string{SeedLabel: strconv.FormatInt(img.Seed, 10)}},
	})
	if err != nil {
		return nil, fmt.Errorf("building the config: %w", err)
	}
	out, err = mutate.AppendLayers(out, layers...)
	if err != nil {
		return nil, fmt.Errorf("adding the layers: %w", err)
	}
	return out, nil
}

func parsePlatform(s string) (v1.Platform, error) {
	if s == "" {
		s = DefaultPlatform
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, fmt.Errorf("parsing platform %q: %w", s, err)
	}
	if p.OS == "" || p.Architecture == "" {
		return v1.Platform{}, fmt.Errorf("parsing platform %q: want os/arch[/variant]", s)
	}
	return *p, nil
}

// SeededIndex is what SeedIndex pushed.
type SeededIndex struct {
	Digest   string            // the index's digest
	Children []string          // the children's digests, in the order given
	Tags     map[string]string // every tag pushed, "repo:tag" → digest (the index's, and the children's with tagChildren)
}

// SeedIndex pushes a multi-platform index to host/repo:tag: an OCI image index when the
// children are OCI images, a Docker manifest list when they are Docker images (they
// must agree). Children's Repo and SameAs must be empty. With tagChildren each child is
// also tagged: with its Tag, or "<tag>-<arch>" (e.g. PR3575-test-arm64) when that is
// empty; otherwise the children are reachable only by digest.
func SeedIndex(ctx context.Context, host, repo, tag string, children []Image, tagChildren bool, opts ...SeedOption) (SeededIndex, error) {
	ref := repo + ":" + tag
	if len(children) == 0 {
		return SeededIndex{}, fmt.Errorf("seeding index %s: no children", ref)
	}
	idxType := types.DockerManifestList
	if children[0].OCI {
		idxType = types.OCIImageIndex
	}
	idx := mutate.IndexMediaType(empty.Index, idxType)
	res := SeededIndex{Tags: map[string]string{}}
	images := make([]v1.Image, len(children))
	childTags := make([]string, len(children))
	for i, c := range children {
		if c.OCI != children[0].OCI || c.Repo != "" || c.SameAs != "" {
			return SeededIndex{}, fmt.Errorf("seeding index %s: child %d: children must share OCI and have no Repo or SameAs", ref, i)
		}
		img, err := buildImage(c)
		if err != nil {
			return SeededIndex{}, fmt.Errorf("seeding index %s: child %d: %w", ref, i, err)
		}
		plat, _ := parsePlatform(c.Platform) // buildImage has parsed it
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
		d, err := digestOf(img)
		if err != nil {
			return SeededIndex{}, err
		}
		images[i], res.Children = img, append(res.Children, d)
		childTags[i] = c.Tag
		if childTags[i] == "" {
			childTags[i] = tag + "-" + plat.Architecture
		}
		if tagChildren {
			childRef := repo + ":" + childTags[i]
			if _, dup := res.Tags[childRef]; dup || childRef == ref {
				return SeededIndex{}, fmt.Errorf("seeding index %s: tag %s given twice", ref, childRef)
			}
			res.Tags[childRef] = d
		}
	}

	p, err := newPusher(ctx, opts)
	if err != nil {
		return SeededIndex{}, err
	}
	defer p.close()
	if res.Digest, err = p.push(ctx, host, repo, tag, idx); err != nil {
		return SeededIndex{}, err
	}
	res.Tags[ref] = res.Digest
	if !tagChildren {
		return res, nil
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedConcurrency)
	for i, img := range images {
		g.Go(func() error {
			_, err := p.push(gctx, host, repo, childTags[i], img)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return SeededIndex{}, err
	}
	return res, nil
}
