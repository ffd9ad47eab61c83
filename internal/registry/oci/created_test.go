package oci_test

import (
	"context"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// A BuildKit image (docker buildx build, provenance on by default) is an index of
// platform images and attestation manifests. The attestations' configs have no
// created, so the age comes from the platform images alone: the youngest of them.
// Only when the platform images say nothing is the age unknown.
func TestCreatedBuildKitIndex(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for kind, start := range map[string]func(testing.TB, ...registrytest.Option) *registrytest.Server{
		"v3":  registrytest.StartV3,
		"2.8": registrytest.StartDistribution28,
	} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := start(t)
			c, err := oci.New(s.Host(), oci.Options{Scheme: "http"})
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				tag    string
				images []registrytest.BuildKitImage
				want   time.Time
			}{
				{"PR1-buildkit", []registrytest.BuildKitImage{
					{Image: registrytest.Image{Seed: 1}, Created: t0.Add(-time.Hour), Attest: true},
					{Image: registrytest.Image{Seed: 2, Platform: "linux/arm64"}, Created: t0},
				}, t0},
				{"PR2-attested-each", []registrytest.BuildKitImage{
					{Image: registrytest.Image{Seed: 3}, Created: t0, Attest: true},
					{Image: registrytest.Image{Seed: 4, Platform: "linux/arm64"}, Created: t0.Add(-2 * time.Hour), Attest: true},
				}, t0},
				{"PR3-undated", []registrytest.BuildKitImage{
					{Image: registrytest.Image{Seed: 5}, Attest: true},
					{Image: registrytest.Image{Seed: 6, Platform: "linux/arm64"}, Attest: true},
				}, time.Time{}},
				{"PR4-one-undated", []registrytest.BuildKitImage{
					{Image: registrytest.Image{Seed: 7}, Created: t0, Attest: true},
					{Image: registrytest.Image{Seed: 8, Platform: "linux/arm64"}},
				}, time.Time{}},
			} {
				idx, err := s.SeedBuildKitIndex(ctx, "jarvis", tc.tag, tc.images)
				if err != nil {
					t.Fatal(err)
				}
				m, err := c.Resolve(ctx, "jarvis", tc.tag)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(idx.Images) + len(idx.Attestations); len(m.Children) != n {
					t.Fatalf("%s resolves to %d children, want %d (images and attestations)", tc.tag, len(m.Children), n)
				}
				got, err := c.Created(ctx, "jarvis", m)
				if err != nil || !got.Equal(tc.want) {
					t.Errorf("%s created %v, %v; want %v", tc.tag, got, err, tc.want)
				}
			}
		})
	}
}
