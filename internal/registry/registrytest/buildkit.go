package registrytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BuildKit's names for the attestation manifests it adds to an index
// (moby/buildkit util/attestation; docs.docker.com/build/metadata/attestations/attestation-storage).
const (
	// AttestationTypeAnnotation marks an index entry as an attestation manifest.
	AttestationTypeAnnotation = "vnd.docker.reference.type"
	// AttestationTypeManifest is the value of AttestationTypeAnnotation.
	AttestationTypeManifest = "attestation-manifest"
	// AttestationDigestAnnotation names the platform image an attestation is about.
	AttestationDigestAnnotation = "vnd.docker.reference.digest"
	// inTotoMediaType is the media type of each attestation layer.
	inTotoMediaType = "application/vnd.in-toto+json"
)

// BuildKitImage is one platform image of a BuildKit-built index.
type BuildKitImage struct {
	Image             // Seed and Platform; OCI is implied, Repo, Tag and SameAs must be empty
	Created time.Time // the config's created; zero: none (written as year 1, read back as zero)
	// Attest follows the image with an attestation manifest about it, as BuildKit does
	// with provenance or SBOM on (the default of docker buildx build since 0.10).
	Attest bool
}

// SeededBuildKitIndex is what SeedBuildKitIndex pushed.
type SeededBuildKitIndex struct {
	Digest       string   // the index's
	Images       []string // the platform images' digests, in the order given
	Attestations []string // the attestation manifests' digests, in index order
}

// SeedBuildKitIndex pushes to host/repo:tag an OCI image index shaped like the ones
// BuildKit pushes: each platform image, then for those with Attest an attestation
// manifest — an OCI image manifest whose config says os and architecture "unknown" and
// no created (zero time), with one in-toto provenance layer, listed under platform
// unknown/unknown with the annotations vnd.docker.reference.type: attestation-manifest
// and vnd.docker.reference.digest: <the image's digest>. Only the index is tagged.
func SeedBuildKitIndex(ctx context.Context, host, repo, tag string, images []BuildKitImage, opts ...SeedOption) (SeededBuildKitIndex, error) {
	ref := repo + ":" + tag
	if len(images) == 0 {
		return SeededBuildKitIndex{}, fmt.Errorf("seeding %s: no images", ref)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var res SeededBuildKitIndex
	for i, bi := range images {
		if bi.Repo != "" || bi.Tag != "" || bi.SameAs != "" {
			return SeededBuildKitIndex{}, fmt.Errorf("seeding %s: image %d: Repo, Tag and SameAs must be empty", ref, i)
		}
		bi.OCI = true
		img, err := buildDated(bi.Image, bi.Created)
		if err != nil {
			return SeededBuildKitIndex{}, fmt.Errorf("seeding %s: image %d: %w", ref, i, err)
		}
		plat, _ := parsePlatform(bi.Platform) // buildImage has parsed it
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
		d, err := digestOf(img)
		if err != nil {
			return SeededBuildKitIndex{}, err
		}
		res.Images = append(res.Images, d)
		if !bi.Attest {
			continue
		}
		att, err := attestation(repo, tag, plat, d)
		if err != nil {
			return SeededBuildKitIndex{}, fmt.Errorf("seeding %s: attestation of image %d: %w", ref, i, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{
				AttestationTypeAnnotation:   AttestationTypeManifest,
				AttestationDigestAnnotation: d,
			},
		}})
		ad, err := digestOf(att)
		if err != nil {
			return SeededBuildKitIndex{}, err
		}
		res.Attestations = append(res.Attestations, ad)
	}

	p, err := newPusher(ctx, opts)
	if err != nil {
		return SeededBuildKitIndex{}, err
	}
	defer p.close()
	if res.Digest, err = p.push(ctx, host, repo, tag, idx); err != nil {
		return SeededBuildKitIndex{}, err
	}
	return res, nil
}

// SeedBuildKitIndex is the package function for this server, with its credentials.
func (s *Server) SeedBuildKitIndex(ctx context.Context, repo, tag string, images []BuildKitImage) (SeededBuildKitIndex, error) {
	return SeedBuildKitIndex(ctx, s.host, repo, tag, images, s.seedOptions()...)
}

// buildDated is buildImage with the config's created set (when not zero).
func buildDated(img Image, created time.Time) (v1.Image, error) {
	out, err := buildImage(img)
	if err != nil || created.IsZero() {
		return out, err
	}
	cfg, err := out.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: created.UTC()}
	if out, err = mutate.ConfigFile(out, cfg); err != nil {
		return nil, fmt.Errorf("dating the config: %w", err)
	}
	return out, nil
}

// attestation builds the manifest BuildKit adds for the image with digest subject: a
// config that "should be ignored" (unknown/unknown, no created) and one in-toto
// statement naming the image.
func attestation(repo, tag string, plat v1.Platform, subject string) (v1.Image, error) {
	algo, hex, _ := strings.Cut(subject, ":")
	statement, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"subject": []map[string]any{{
			"name":   "pkg:docker/" + repo + "@" + tag + "?platform=" + url.QueryEscape(plat.String()),
			"digest": map[string]string{algo: hex},
		}},
		"predicate": map[string]any{"buildType": "https://mobyproject.org/buildkit@v1"},
	})
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	out, err := mutate.ConfigFile(base, &v1.ConfigFile{
		Architecture: "unknown",
		OS:           "unknown",
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, fmt.Errorf("building the config: %w", err)
	}
	return mutate.Append(out, mutate.Addendum{
		Layer:       static.NewLayer(statement, inTotoMediaType),
		Annotations: map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
	})
}
