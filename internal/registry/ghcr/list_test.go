package ghcr_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

func TestRepositoriesAndTags(t *testing.T) {
	f := newFixture(t)
	registrytest.MustSeed(t, f.backend, []registrytest.Image{{Repo: "team/app/api", Tag: "pr-7", Seed: 7}, {Repo: "team/app/api", Tag: "latest", Seed: 8}})
	c := f.client(t, token)
	repos, err := c.Repositories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"jarvis", "jarvis_base", "jarvisautomation", "team/app/api"}, repos); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	for _, repo := range repos {
		tags, err := c.Tags(ctx, repo)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f.tags(t, repo), tags); diff != "" {
			t.Errorf("tags of %s (-registry +listed):\n%s", repo, diff)
		}
	}
	// A package name with slashes goes URL-encoded, as one path segment.
	if f.ghcr.Count("GET /{kind}/{owner}/packages/container/{name}/versions") == 0 {
		t.Error("no version listing was asked for")
	}
}

func TestUserOwner(t *testing.T) {
	f := newFixture(t, registrytest.WithGHCRUser())
	repos, err := f.client(t, token).Repositories(ctx)
	if err != nil || len(repos) != 3 {
		t.Fatalf("repositories of a user: %v, %v", repos, err)
	}
}

func TestListManifestsReadsEachDigestOnce(t *testing.T) {
	f := newFixture(t)
	idx, err := f.backend.SeedIndex(ctx, "jarvis", "5.32.0-multiarch", []registrytest.Image{
		{Seed: 5321, OCI: true, Platform: "linux/amd64"}, {Seed: 5322, OCI: true, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t, token)
	listed, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	byDigest := map[string]registry.ListedManifest{}
	for _, lm := range listed {
		if lm.Err != nil {
			t.Errorf("%s: %v", lm.Digest, lm.Err)
		}
		byDigest[lm.Digest] = lm
	}
	shared := byDigest[f.digests["jarvis:5.32.0-develop"]]
	if diff := cmp.Diff([]string{"5.32.0-develop", "PR3574-test"}, shared.Tags); diff != "" {
		t.Errorf("tags of the shared version (-want +got):\n%s", diff)
	}
	index := byDigest[idx.Digest]
	if !registry.IsIndex(index.MediaType) || !slices.Equal(index.Children, idx.Children) {
		t.Errorf("the index: %+v, want children %v", index.Manifest, idx.Children)
	}
	for _, child := range idx.Children {
		if lm, ok := byDigest[child]; !ok || len(lm.Tags) > 0 {
			t.Errorf("child %s: listed %v with tags %v; want an untagged version", child, ok, lm.Tags)
		}
	}
	for _, child := range idx.Children {
		if mt := byDigest[child].MediaType; mt != registry.MediaTypeOCIManifest {
			t.Errorf("child %s: media type %q; want the index's descriptor's", child, mt)
		}
	}
	// The untagged platform images are known from the index: no read of their own.
	reads := f.ghcr.Count("GET /v2/{repo}/manifests/{ref}")
	if want := len(listed) - len(idx.Children); reads != want || f.ghcr.Count("HEAD /v2/{repo}/manifests/{ref}") != 0 {
		t.Errorf("%d manifest GETs and %d HEADs for %d versions; want one GET each but the index's %d platform images",
			reads, f.ghcr.Count("HEAD /v2/{repo}/manifests/{ref}"), len(listed), len(idx.Children))
	}
	if _, err := c.ListManifests(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	if again := f.ghcr.Count("GET /v2/{repo}/manifests/{ref}"); again != reads {
		t.Errorf("listing again read %d manifests; a digest's manifest never changes", again-reads)
	}
}

func TestListingPages(t *testing.T) {
	f := newFixture(t)
	registrytest.MustSeed(t, f.backend, registrytest.ManyTags("jarvis_base", "PR", 45))
	c := f.client(t, token, withPageSize(10))
	tags, err := c.Tags(ctx, "jarvis_base")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.tags(t, "jarvis_base"), tags); diff != "" {
		t.Errorf("tags (-registry +listed):\n%s", diff)
	}
	if n := f.ghcr.Count("GET /{kind}/{owner}/packages/container/{name}/versions"); n != 5 {
		t.Errorf("%d version pages for 49 versions of 10; want 5", n)
	}
}

func TestResolveAndErrors(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
	if err != nil || m.Digest != f.digests["jarvis:PR3571-test"] {
		t.Errorf("Resolve: %+v, %v", m, err)
	}
	if _, err := c.Resolve(ctx, "jarvis", "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Resolve of a missing tag: %v, want ErrNotFound", err)
	}
	if _, err := c.Tags(ctx, "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Tags of a missing package: %v, want ErrNotFound", err)
	}
	if _, err := f.client(t, "ghp_wrong").Repositories(ctx); !errors.Is(err, registry.ErrUnauthorized) {
		t.Errorf("a wrong token: %v, want ErrUnauthorized", err)
	}
}

// Created is the version's created_at; an index is as old as its youngest child.
func TestCreated(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, registrytest.WithGHCRClock(func() time.Time { return at }))
	c := f.client(t, token)
	d := f.digests["jarvis:PR3571-test"]
	got, err := c.Created(ctx, "jarvis", registry.Manifest{Digest: d})
	if err != nil || !got.Equal(at) {
		t.Errorf("Created: %v, %v; want %v", got, err, at)
	}
	if _, err := c.Created(ctx, "jarvis", registry.Manifest{Digest: "sha256:" + strings.Repeat("0", 64)}); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Created of no version: %v, want ErrNotFound", err)
	}
}

// Ages asked at once of a package not yet listed share their listings (the one
// started first, and the next for those that came while it ran), not one each:
// apply asks the ages of a saved plan's deletions several at once.
func TestCreatedSharesItsListing(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	tags := []string{"PR3571-test", "PR3574-test", "PR3561-test", "PR3565-test", "PR3589-test", "5.32.0-develop"}
	before := f.ghcr.Count(versionsRoute)
	errs := make([]error, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Go(func() {
			_, errs[i] = c.Created(ctx, "jarvis", registry.Manifest{Digest: f.digests["jarvis:"+tag]})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Created of %s: %v", tags[i], err)
		}
	}
	if n := f.ghcr.Count(versionsRoute) - before; n > 2 {
		t.Errorf("%d versions listings for %d ages asked at once, want at most 2", n, len(tags))
	}
}
