package acr_test

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// pushReferrer pushes to jarvis, tagged sbom, an OCI artifact whose subject is
// subject, and returns its digest.
func pushReferrer(t *testing.T, srv *registrytest.Server, subject string) string {
	t.Helper()
	repo, err := name.NewRepository(srv.Host()+"/jarvis", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	subj, err := remote.Head(repo.Digest(subject))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{Architecture: "unknown", OS: "unknown", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.MediaType(mutate.ConfigMediaType(cfg, "application/vnd.example.sbom"), types.OCIManifestSchema1)
	ref := mutate.Subject(img, *subj).(v1.Image)
	if err := remote.Write(repo.Tag("sbom"), ref); err != nil {
		t.Fatal(err)
	}
	d, err := ref.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}
