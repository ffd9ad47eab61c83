package acr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Manifest and PutManifest keep and restore what a deletion removes (audit, restore).
func TestManifestStore(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.client(t, f.spCredentials(), nil)
	d := f.digests["jarvis:PR3571-test"]
	raw, mediaType, err := c.Manifest(ctx, "jarvis", d)
	if err != nil || mediaType != registry.MediaTypeDockerManifest || len(raw) == 0 {
		t.Fatalf("Manifest: %d bytes, %q, %v", len(raw), mediaType, err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest); err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "PR3571-test", raw, mediaType); err != nil {
		t.Fatalf("PutManifest: %v", err)
	}
	if m, err := c.Resolve(ctx, "jarvis", "PR3571-test"); err != nil || m.Digest != d {
		t.Errorf("after restoring: %+v, %v; want %s", m, err, d)
	}

	noWrite := registrytest.ACRUnlocked()
	noWrite.WriteEnabled = false
	f.acr.SetTagAttributes("jarvis", "PR3571-test", noWrite)
	if err := c.PutManifest(ctx, "jarvis", "PR3571-test", raw, mediaType); !errors.Is(err, registry.ErrLocked) {
		t.Errorf("moving a write-locked tag: %v, want ErrLocked", err)
	}
	const readerID = "22222222-2222-4333-8444-555555555555"
	f.acr.AddServicePrincipal(tenant, readerID, secret, registrytest.ACRReader())
	reader := f.spCredentials()
	reader.ClientID = readerID
	if err := f.client(t, reader, nil).PutManifest(ctx, "jarvis", "PR9-test", raw, mediaType); !errors.Is(err, registry.ErrUnauthorized) {
		t.Errorf("uploading without push permission: %v, want ErrUnauthorized", err)
	}
}

// An image's age on ACR is from its push: the manifest's createdTime, and for an
// index that of the youngest of it and its children.
func TestCreated(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idx, err := f.backend.SeedIndex(ctx, "jarvis", "PR3600-multi", []registrytest.Image{
		{Seed: 1, OCI: true}, {Seed: 2, OCI: true, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f.acr.SetCreated("jarvis@"+f.digests["jarvis:PR3571-test"], t0)
	f.acr.SetCreated("jarvis@"+idx.Digest, t0)
	f.acr.SetCreated("jarvis@"+idx.Children[0], t0.Add(-time.Hour))
	f.acr.SetCreated("jarvis@"+idx.Children[1], t0.Add(time.Hour))
	c := f.client(t, f.spCredentials(), nil)
	for tag, want := range map[string]time.Time{"PR3571-test": t0, "PR3600-multi": t0.Add(time.Hour)} {
		m, err := c.Resolve(ctx, "jarvis", tag)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.Created(ctx, "jarvis", m); err != nil || !got.Equal(want) {
			t.Errorf("%s created %v, %v; want %v", tag, got, err, want)
		}
	}
}
