package acr_test

import (
	"context"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// ACR dates every manifest it stores, attestation manifests too, so a BuildKit index
// (platform images and attestations, whose configs have no created) has an age on
// ACR: that of the youngest of the index and its entries. Unlike type: oci, nothing
// here reads image configs, so no entry has to be skipped.
func TestCreatedBuildKitIndex(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idx, err := f.backend.SeedBuildKitIndex(ctx, "jarvis", "PR3601-buildkit", []registrytest.BuildKitImage{
		{Image: registrytest.Image{Seed: 11}, Attest: true},
		{Image: registrytest.Image{Seed: 12, Platform: "linux/arm64"}, Attest: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f.acr.SetCreated("jarvis@"+idx.Digest, t0)
	for i, d := range append(idx.Images, idx.Attestations...) {
		f.acr.SetCreated("jarvis@"+d, t0.Add(-time.Duration(i+1)*time.Minute))
	}
	c := f.client(t, f.spCredentials(), nil)
	m, err := c.Resolve(ctx, "jarvis", "PR3601-buildkit")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Created(ctx, "jarvis", m); err != nil || !got.Equal(t0) {
		t.Errorf("created %v, %v; want %v", got, err, t0)
	}
}
