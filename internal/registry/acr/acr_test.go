package acr_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

func TestListingFollowsEveryPage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	registrytest.MustSeed(t, f.backend, append(registrytest.ManyTags("big", "PR", 130),
		registrytest.Image{Repo: "team/app/api", Tag: "PR42-test", Seed: 42, OCI: true}))
	// Pages of 2 repositories and 50 tags: the catalog takes 3 pages, big's tags 3.
	c := f.client(t, f.spCredentials(), nil, func(o *acr.Options) { o.PageSize = 2 })
	repos, err := c.Repositories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"big", "jarvis", "jarvis_base", "jarvisautomation", "team/app/api"}, repos); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	c = f.client(t, f.spCredentials(), nil, func(o *acr.Options) { o.PageSize = 50 })
	tags, err := c.Tags(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 130 || len(slices.Compact(slices.Sorted(slices.Values(tags)))) != 130 {
		t.Errorf("big lists %d distinct tags of %d, want 130", len(slices.Compact(slices.Sorted(slices.Values(tags)))), len(tags))
	}
	if n := f.acr.Count("GET /acr/v1/{repo}/_tags"); n < 3 {
		t.Errorf("%d tag pages asked, want 3 (and the challenge)", n)
	}
	if tags, err := c.Tags(ctx, "team/app/api"); err != nil || !slices.Equal(tags, []string{"PR42-test"}) {
		t.Errorf("nested repository: %v, %v", tags, err)
	}
	if _, err := c.Tags(ctx, "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("tags of a missing repository: %v, want ErrNotFound", err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idx, err := f.backend.SeedIndex(ctx, "jarvis", "5.32.0-multiarch", []registrytest.Image{
		{Seed: 1, OCI: true}, {Seed: 2, OCI: true, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.backend.SeedIndex(ctx, "jarvis", "5.32.0-list", []registrytest.Image{{Seed: 3}, {Seed: 4, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	sig := pushReferrer(t, f.backend, f.digests["jarvis:5.32.0-develop"])
	c := f.client(t, f.spCredentials(), nil)

	tests := []struct {
		tag  string
		want registry.Manifest
	}{
		{"PR3571-test", registry.Manifest{Digest: f.digests["jarvis:PR3571-test"], MediaType: registry.MediaTypeDockerManifest}},
		{"5.32.0-multiarch", registry.Manifest{Digest: idx.Digest, MediaType: registry.MediaTypeOCIIndex, Children: idx.Children}},
		{"5.32.0-list", registry.Manifest{Digest: list.Digest, MediaType: registry.MediaTypeDockerList, Children: list.Children}},
		{"sbom", registry.Manifest{Digest: sig, MediaType: registry.MediaTypeOCIManifest, Subject: f.digests["jarvis:5.32.0-develop"]}},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			m, err := c.Resolve(ctx, "jarvis", tt.tag)
			if err != nil {
				t.Fatal(err)
			}
			if m.Size <= 0 {
				t.Errorf("size %d, want ACR's imageSize", m.Size)
			}
			m.Size = 0
			if diff := cmp.Diff(tt.want, m); diff != "" {
				t.Errorf("manifest (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := c.Resolve(ctx, "jarvis", "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("resolving a missing tag: %v, want ErrNotFound", err)
	}
}

// A tag is locked when the tag, its manifest or its repository forbids deletion or
// writing; ACR refuses to delete it, and prsweep never unlocks (the fake fails the
// test on any PATCH).
func TestLocks(t *testing.T) {
	ctx := context.Background()
	noDelete := registrytest.ACRUnlocked()
	noDelete.DeleteEnabled = false
	noWrite := registrytest.ACRUnlocked()
	noWrite.WriteEnabled = false
	tests := []struct {
		name       string
		lock       func(f *fixture)
		untagLocks bool // ACR refuses the untag too (whether a manifest lock stops an untag is not documented)
	}{
		{"tag deleteEnabled false", func(f *fixture) { f.acr.SetTagAttributes("jarvis", "PR3571-test", noDelete) }, true},
		{"tag writeEnabled false", func(f *fixture) { f.acr.SetTagAttributes("jarvis", "PR3571-test", noWrite) }, true},
		{"manifest deleteEnabled false", func(f *fixture) {
			f.acr.SetManifestAttributes("jarvis", f.digests["jarvis:PR3571-test"], noDelete)
		}, false},
		{"repository writeEnabled false", func(f *fixture) { f.acr.SetRepositoryAttributes("jarvis", noWrite) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.lock(f)
			c := f.client(t, f.spCredentials(), nil)
			m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
			if err != nil {
				t.Fatal(err)
			}
			if !m.Locked {
				t.Errorf("resolved %+v, want Locked", m)
			}
			if other, _ := c.Resolve(ctx, "jarvis_base", "test"); other.Locked {
				t.Errorf("jarvis_base:test is locked too: %+v", other)
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodDigest); !errors.Is(err, registry.ErrLocked) {
				t.Errorf("deleting the locked manifest: %v, want ErrLocked", err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodUntag); tt.untagLocks && !errors.Is(err, registry.ErrLocked) {
				t.Errorf("untagging the locked tag: %v, want ErrLocked", err)
			}
		})
	}
}

// Untagging removes one tag and nothing else, even when a release tag shares its
// digest; deleting by digest removes the manifest with every tag on it.
func TestDelete(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.client(t, f.spCredentials(), nil)
	shared, err := c.Resolve(ctx, "jarvis", "PR3574-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3574-test", shared, registry.MethodUntag); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Resolve(ctx, "jarvis", "5.32.0-develop"); err != nil || m.Digest != shared.Digest {
		t.Errorf("after untagging PR3574-test, 5.32.0-develop resolves to %+v, %v; want %s", m, err, shared.Digest)
	}
	if err := c.Delete(ctx, "jarvis", "PR3574-test", shared, registry.MethodUntag); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("untagging again: %v, want ErrNotFound", err)
	}

	own, _ := c.Resolve(ctx, "jarvis", "PR3571-test")
	if err := c.Delete(ctx, "jarvis", "", own, registry.MethodDigest); !errors.Is(err, registry.ErrInUse) {
		t.Errorf("deleting a tagged manifest as untagged: %v, want ErrInUse", err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", own, registry.MethodDigest); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve(ctx, "jarvis", "PR3571-test"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("after deleting its manifest, PR3571-test resolves: %v", err)
	}
	if err := c.Delete(ctx, "jarvis", "", own, registry.MethodDigest); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deleting the manifest again: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3561-test", own, registry.MethodRetag); !errors.Is(err, registry.ErrUnsupported) {
		t.Errorf("retag: %v, want ErrUnsupported", err)
	}
	if n := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}") + f.acr.Count("DELETE /v2/{repo}/manifests/{ref}"); n < 4 {
		t.Errorf("%d DELETE requests, want at least 4", n)
	}
}

// Capabilities asks nothing (a probe per repository would spend the write quota);
// validate's Check learns whether the identity may delete without deleting
// anything; a sweep by an identity that may not delete learns it at the first
// deletion of a repository, and asks no more there.
func TestCapabilities(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const readerID = "22222222-2222-4333-8444-555555555555"
	f.acr.AddServicePrincipal(tenant, readerID, secret, registrytest.ACRReader())

	contributor := f.client(t, f.spCredentials(), nil)
	got, err := contributor.Capabilities(ctx, "jarvis")
	if err != nil || got != (registry.Capabilities{Untag: true, Digest: true}) {
		t.Errorf("capabilities: %+v, %v; want untag and digest", got, err)
	}
	if n := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}"); n != 0 {
		t.Errorf("Capabilities sent %d DELETEs, want none", n)
	}
	if err := contributor.Check(ctx, []string{"jarvis"}); err != nil {
		t.Errorf("contributor: %v", err)
	}

	reader := f.spCredentials()
	reader.ClientID = readerID
	c := f.client(t, reader, nil)
	if tags, err := c.Tags(ctx, "jarvis"); err != nil || len(tags) != 12 {
		t.Fatalf("the reader lists %d tags, %v", len(tags), err)
	}
	err = c.Check(ctx, []string{"jarvis"})
	if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "Microsoft.ContainerRegistry/registries/repositories/content/delete") {
		t.Errorf("reader: %v; want ErrUnauthorized naming the data action", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the secret is in the error: %v", err)
	}
	var sent []int
	for _, tag := range []string{"PR3571-test", "PR3574-test"} {
		before := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}")
		err := c.Delete(ctx, "jarvis", tag, registry.Manifest{}, registry.MethodUntag)
		if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "content/delete") {
			t.Errorf("the reader untagging %s: %v; want ErrUnauthorized naming the data action", tag, err)
		}
		sent = append(sent, f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}")-before)
	}
	if sent[0] == 0 || sent[1] != 0 {
		t.Errorf("the reader's two untags sent %v DELETEs: want some for the first, none for the second (refused without asking)", sent)
	}
	tags, _ := contributor.Tags(ctx, "jarvis")
	if len(tags) != 12 {
		t.Errorf("probing changed the registry: %d tags left", len(tags))
	}
}

// A repository's deletions started at once meet ACR's sign-in challenge once:
// the first goes alone, the others share its token, instead of each being
// answered 401 first (a write of the registry's quota each).
func TestConcurrentDeletionsSignInOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.client(t, f.spCredentials(), nil)
	tags := []string{"PR3571-test", "PR3571-test-arm", "PR3574-test", "PR3589-test", "PR3589-test-arm"}
	var wg sync.WaitGroup
	errs := make([]error, len(tags))
	for i, tag := range tags {
		wg.Go(func() { errs[i] = c.Delete(ctx, "jarvis", tag, registry.Manifest{}, registry.MethodUntag) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("untagging %s: %v", tags[i], err)
		}
	}
	if n := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}"); n != len(tags)+1 {
		t.Errorf("%d untag requests for %d tags, want %d: one challenge, then one each", n, len(tags), len(tags)+1)
	}
}
