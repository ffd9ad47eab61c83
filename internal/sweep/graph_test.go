package sweep_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// graphSet seeds, next to the classic set, the shapes that break naive cleaners:
// indexes with untagged and with tagged children, two indexes sharing a child, and
// signatures and OCI 1.1 referrers of a deleted and of a kept image. It returns the
// digests that must be gone after the sweep and those that must stay.
func graphSet(t *testing.T, srv *registrytest.Server) (gone, stay []string) {
	t.Helper()
	ctx := context.Background()
	digests := registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	index := func(tag string, tagChildren bool, children ...registrytest.Image) registrytest.SeededIndex {
		idx, err := srv.SeedIndex(ctx, "jarvis", tag, children, tagChildren)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	oci := func(seed int64, platform string) registrytest.Image {
		return registrytest.Image{Seed: seed, OCI: true, Platform: platform}
	}
	docker := func(seed int64, platform string) registrytest.Image {
		return registrytest.Image{Seed: seed, Platform: platform}
	}
	prMulti := index("PR3600-multi", false, oci(3601, "linux/amd64"), oci(3602, "linux/arm64"))
	release := index("5.32.0-multiarch", false, oci(5321, "linux/amd64"), oci(5322, "linux/arm64"))
	prList := index("PR3575-test", true, docker(3751, "linux/amd64"), docker(3752, "linux/arm64"))
	prShared := index("PR3610-test", false, oci(7001, "linux/amd64"), oci(7002, "linux/arm64"))
	relShared := index("5.40.0", false, oci(7001, "linux/amd64"), oci(7003, "linux/arm64"))

	deleted := digests["jarvis:PR3571-test"]
	kept := digests["jarvis:PR3561-test"]
	sigDeleted := pushSignature(t, srv, deleted, 9001)
	refDeleted, fallbackDeleted := pushReferrer(t, srv, deleted, 9002)
	sigKept := pushSignature(t, srv, kept, 9003)
	refKept, fallbackKept := pushReferrer(t, srv, kept, 9004)
	sigShared := pushSignature(t, srv, digests["jarvis:5.32.0-develop"], 9005) // PR3574-test's image too

	gone = append(gone, deleted, sigDeleted, refDeleted, fallbackDeleted, prMulti.Digest, prList.Digest, prShared.Digest, prShared.Children[1])
	gone = append(gone, prMulti.Children...)
	gone = append(gone, prList.Children...)
	stay = append(stay, digests["jarvis:5.32.0-develop"], sigKept, refKept, fallbackKept, sigShared, release.Digest, relShared.Digest, prShared.Children[0])
	stay = append(stay, release.Children...)
	return gone, stay
}

// pushSignature tags a small image as cosign's signature of subject.
func pushSignature(t *testing.T, srv *registrytest.Server, subject string, seed int64) string {
	t.Helper()
	tag := strings.Replace(subject, ":", "-", 1) + ".sig"
	d := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: tag, Seed: seed, OCI: true}})
	return d["jarvis:"+tag]
}

// pushReferrer pushes an OCI 1.1 referrer of subject by digest, and the referrers
// fallback tag (sha256-<hex>) listing it, as clients do on registries without the
// referrers API. It returns the referrer's and the fallback index's digests.
func pushReferrer(t *testing.T, srv *registrytest.Server, subject string, seed int64) (string, string) {
	t.Helper()
	ctx := context.Background()
	repo, err := name.NewRepository(srv.Host()+"/jarvis", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	subj, err := remote.Head(repo.Digest(subject), remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{Architecture: "unknown", OS: "unknown",
		Config: v1.Config{Labels: map[string]string{"seed": string(rune('a' + seed%26))}}, RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.MediaType(mutate.ConfigMediaType(cfg, "application/vnd.example.sbom"), types.OCIManifestSchema1)
	ref := mutate.Subject(img, *subj).(v1.Image)
	rd, err := ref.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Digest(rd.String()), ref, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: ref, Descriptor: v1.Descriptor{ArtifactType: "application/vnd.example.sbom"}})
	fallback := repo.Tag(strings.Replace(subject, ":", "-", 1))
	if err := remote.WriteIndex(fallback, idx, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	fd, _ := idx.Digest()
	return rd.String(), fd.String()
}

// pullEverything pulls every tag completely: manifest, children, config and layers.
func pullEverything(t *testing.T, host string) {
	t.Helper()
	for _, ref := range remaining(t, host) {
		repo, tag, _ := strings.Cut(ref, ":")
		if err := registrytest.Pull(context.Background(), host, repo, tag); err != nil {
			t.Error(err)
		}
	}
}

// exists reports whether jarvis@digest can still be fetched.
func exists(t *testing.T, host, digest string) bool {
	t.Helper()
	r, err := name.NewDigest(host+"/jarvis@"+digest, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	_, err = remote.Head(r)
	var te *transport.Error
	if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
		return false
	}
	if err != nil {
		t.Fatalf("HEAD %s: %v", digest, err)
	}
	return true
}

func TestGraphSweep(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			gone, stay := graphSet(t, srv)
			states := classicStates()
			for _, pr := range []string{"3600", "3575", "3610"} {
				states[pr] = "merged"
			}
			s := newSweeper(t, srv.Host(), states, "untagged: delete\n")
			res, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Failed() {
					t.Errorf("failed: %s: %s", it.Ref(), it.Error)
				}
			}
			for _, d := range gone {
				if exists(t, srv.Host(), d) {
					t.Errorf("%s is still in the registry", d)
				}
			}
			for _, d := range stay {
				if !exists(t, srv.Host(), d) {
					t.Errorf("%s was removed, but a kept tag needs it", d)
				}
			}
			pullEverything(t, srv.Host())
			left := remaining(t, srv.Host())
			for _, tag := range []string{"jarvis:5.32.0-develop", "jarvis:5.32.0-multiarch", "jarvis:5.40.0", "jarvis:PR3561-test"} {
				if !slices.Contains(left, tag) {
					t.Errorf("%s is gone", tag)
				}
			}
			again, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range again.Items {
				if it.Done {
					t.Errorf("a second sweep deleted %s", it.Ref())
				}
			}
		})
	}
}
