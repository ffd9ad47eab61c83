package ghcr_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

const (
	versionGetRoute = "GET /{kind}/{owner}/packages/container/{name}/versions/{id}"
	versionsRoute   = "GET /{kind}/{owner}/packages/container/{name}/versions"
)

// Digest deletions in a package of one page read its versions again just before
// their DELETEs in listings they share, not with a GET of each version; the guard
// holds: a tag pushed onto one of them since the engine's listing keeps it.
func TestDigestDeletionsShareTheirReread(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	if _, err := c.ListManifests(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	pushed := "jarvis:PR3565-test"
	raw, mediaType, err := c.Manifest(ctx, "jarvis", f.digests[pushed])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "5.33.0", raw, mediaType); err != nil {
		t.Fatal(err)
	}
	refs := []string{"PR3571-test", "PR3571-test-arm", "PR3561-test", "PR3561-test-arm",
		"PR3565-test", "PR3565-test-arm", "PR3589-test", "PR3589-test-arm"}
	listingsBefore := f.ghcr.Count(versionsRoute)
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	for i, tag := range refs {
		wg.Go(func() {
			errs[i] = c.Delete(ctx, "jarvis", tag, registry.Manifest{Digest: f.digests["jarvis:"+tag]}, registry.MethodDigest)
		})
	}
	wg.Wait()
	for i, tag := range refs {
		switch {
		case "jarvis:"+tag == pushed:
			if !errors.Is(errs[i], registry.ErrInUse) || !strings.Contains(errs[i].Error(), "5.33.0") {
				t.Errorf("%s: %v; want ErrInUse naming 5.33.0", tag, errs[i])
			}
		case errs[i] != nil:
			t.Errorf("%s: %v", tag, errs[i])
		}
	}
	if n := f.ghcr.Count(deleteRoute); n != len(refs)-1 {
		t.Errorf("%d versions deleted; want %d", n, len(refs)-1)
	}
	if n := f.ghcr.Count(versionGetRoute); n != 0 {
		t.Errorf("%d versions read one by one; want none (the shared listings re-read them)", n)
	}
	if n := f.ghcr.Count(versionsRoute) - listingsBefore; n < 1 || n > len(refs) {
		t.Errorf("%d listings for %d deletions; want between 1 and one each", n, len(refs))
	}
}

// A retag deletes the throwaway's version as the listing that found it, read after
// the PUT, shows it: no GET of the version.
func TestRetagReadsTheThrowawaysVersionOnce(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	for _, repo := range []string{"jarvis", "jarvis_base"} {
		if _, err := c.ListManifests(ctx, repo); err != nil { // one page: the shared listing finds it
			t.Fatal(err)
		}
	}
	d := f.digests["jarvis:PR3574-test"]
	if err := c.Delete(ctx, "jarvis", "PR3574-test", registry.Manifest{Digest: d}, registry.MethodRetag); err != nil {
		t.Fatal(err)
	}
	if n := f.ghcr.Count(versionGetRoute); n != 0 {
		t.Errorf("%d versions read one by one; want none", n)
	}
	if n := f.ghcr.Count(deleteRoute); n != 1 {
		t.Errorf("%d versions deleted; want the throwaway's", n)
	}
}

// Retags in one package share one push session (one ping, one registry token) and
// one upload of the throwaway's config blob, also when they run at once.
func TestRetagsShareOneSessionAndOneUpload(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	tags := []string{"PR3574-test", "PR3574-test-arm"}
	errs := make([]error, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Go(func() {
			errs[i] = c.Delete(ctx, "jarvis", tag, registry.Manifest{Digest: f.digests["jarvis:"+tag]}, registry.MethodRetag)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", tags[i], err)
		}
	}
	for route, want := range map[string]int{
		"GET /v2/":                        1,
		"GET /token":                      1,
		"HEAD /v2/{repo}/blobs/{digest}":  0,
		"POST /v2/{repo}/blobs/uploads/":  1,
		"PATCH /v2/{repo}/blobs/uploads/": 0,
		"PUT /v2/{repo}/blobs/uploads/":   1, // the backend answers the POST 202: no one-request upload
		"PUT /v2/{repo}/manifests/{ref}":  2,
	} {
		if n := f.ghcr.Count(route); n != want {
			t.Errorf("%s: %d; want %d", route, n, want)
		}
	}
	if left := f.tags(t, "jarvis"); slices.Contains(left, tags[0]) || slices.Contains(left, tags[1]) || !slices.Contains(left, "5.32.0-develop") {
		t.Errorf("after the retags: %v", left)
	}
}

// An index's untagged platform images are known from its descriptors, without a
// read of their own; once one is tagged, what a tag holds is read from the manifest
// itself, not taken on the index's word.
func TestPlatformImagesAreReadOnceTagged(t *testing.T) {
	f := newFixture(t)
	idx, err := f.backend.SeedIndex(ctx, "jarvis", "5.32.0-multiarch", []registrytest.Image{
		{Seed: 5321, OCI: true, Platform: "linux/amd64"}, {Seed: 5322, OCI: true, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t, token)
	const get = "GET /v2/{repo}/manifests/{ref}"
	listed, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	if n := f.ghcr.Count(get); n != len(listed)-len(idx.Children) {
		t.Errorf("%d manifest reads for %d versions; want none for the %d platform images", n, len(listed), len(idx.Children))
	}
	raw, mediaType, err := c.Manifest(ctx, "jarvis", idx.Children[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "amd64-only", raw, mediaType); err != nil {
		t.Fatal(err)
	}
	before := f.ghcr.Count(get)
	if _, err := c.ListManifests(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	if n := f.ghcr.Count(get) - before; n != 1 {
		t.Errorf("%d manifest reads after tagging a platform image; want its own, once", n)
	}
}
