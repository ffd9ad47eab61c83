package ghcr_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/ghcr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

const deleteRoute = "DELETE /{kind}/{owner}/packages/container/{name}/versions/{id}"

func TestCapabilities(t *testing.T) {
	caps, err := newFixture(t).client(t, token).Capabilities(ctx, "jarvis")
	if err != nil || caps != (registry.Capabilities{Digest: true, Retag: true}) {
		t.Errorf("Capabilities: %+v, %v; want digest and retag, no untag", caps, err)
	}
}

func TestDeleteByDigest(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	if _, err := c.ListManifests(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	d := f.digests["jarvis:PR3571-test"]
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest); err != nil {
		t.Fatal(err)
	}
	tags := f.tags(t, "jarvis")
	if slices.Contains(tags, "PR3571-test") || len(tags) != 11 {
		t.Errorf("after deleting PR3571-test's version: %v", tags)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodUntag); !errors.Is(err, registry.ErrUnsupported) {
		t.Errorf("untag: %v, want ErrUnsupported", err)
	}
}

// A tag pushed onto the version since it was listed would go with it: the version
// stays (ErrInUse).
func TestDeleteByDigestRefusesATagPushedSince(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	if _, err := c.ListManifests(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	d := f.digests["jarvis:PR3571-test"]
	raw, mediaType, err := c.Manifest(ctx, "jarvis", d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "5.33.0", raw, mediaType); err != nil {
		t.Fatal(err)
	}
	err = c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest)
	if !errors.Is(err, registry.ErrInUse) || !strings.Contains(err.Error(), "5.33.0") {
		t.Errorf("Delete: %v, want ErrInUse naming 5.33.0", err)
	}
	if f.ghcr.Count(deleteRoute) != 0 || !slices.Contains(f.tags(t, "jarvis"), "5.33.0") {
		t.Error("the version was deleted")
	}
}

// PR3574-test shares its version with 5.32.0-develop: retag moves the PR tag to a
// throwaway version and deletes that; the release keeps its version.
func TestRetagKeepsTheSharedVersion(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	d := f.digests["jarvis:PR3574-test"]
	if err := c.Delete(ctx, "jarvis", "PR3574-test", registry.Manifest{Digest: d}, registry.MethodRetag); err != nil {
		t.Fatal(err)
	}
	tags := f.tags(t, "jarvis")
	if slices.Contains(tags, "PR3574-test") || !slices.Contains(tags, "5.32.0-develop") {
		t.Errorf("after the retag: %v", tags)
	}
	m, err := c.Resolve(ctx, "jarvis", "5.32.0-develop")
	if err != nil || m.Digest != d {
		t.Errorf("5.32.0-develop: %+v, %v; want %s", m, err, d)
	}
	listed, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	for _, lm := range listed {
		if lm.Digest != d && !slices.ContainsFunc(registrytest.ClassicSet(), func(img registrytest.Image) bool { return f.digests[img.Ref()] == lm.Digest }) {
			t.Errorf("a version is left that the set did not have: %s %v", lm.Digest, lm.Tags)
		}
	}
	if n := f.ghcr.Count(deleteRoute); n != 1 {
		t.Errorf("%d versions deleted; want the throwaway only", n)
	}
}

// GitHub's refusals are reported as ErrUnsupported with its reason, and not retried.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	registrytest.MustSeed(t, f.backend, []registrytest.Image{{Repo: "solo", Tag: "pr-1", Seed: 11}})
	c := f.client(t, token)
	d := f.digests["jarvis:PR3571-test"]
	f.ghcr.SetManyDownloads("jarvis", d)
	err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest)
	if !errors.Is(err, registry.ErrUnsupported) || !strings.Contains(err.Error(), "5,000") {
		t.Errorf("a popular public version: %v, want ErrUnsupported saying 5,000", err)
	}
	solo, err := c.Resolve(ctx, "solo", "pr-1")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Delete(ctx, "solo", "pr-1", solo, registry.MethodDigest)
	if !errors.Is(err, registry.ErrUnsupported) || !strings.Contains(err.Error(), "last tagged version") {
		t.Errorf("the last tagged version: %v, want ErrUnsupported saying so", err)
	}
	if n := f.ghcr.Count(deleteRoute); n != 2 {
		t.Errorf("%d DELETEs; want one each, not retried", n)
	}
	if len(f.waits.Waits()) != 0 {
		t.Errorf("waited %v; a refusal is not retried", f.waits.Waits())
	}
}

func TestTokenWithoutDeleteScope(t *testing.T) {
	f := newFixture(t)
	f.ghcr.AddClassicToken("ghp_readonly", "read:packages")
	c := f.client(t, "ghp_readonly")
	d := f.digests["jarvis:PR3571-test"]
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest); !errors.Is(err, registry.ErrUnauthorized) {
		t.Errorf("Delete without delete:packages: %v, want ErrUnauthorized", err)
	}
	err := c.Check(ctx, []string{"jarvis"})
	if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "delete:packages") {
		t.Errorf("Check: %v, want ErrUnauthorized naming delete:packages", err)
	}
	if err := f.client(t, token).Check(ctx, []string{"jarvis", "jarvis_base"}); err != nil {
		t.Errorf("Check with every scope: %v", err)
	}
	f.ghcr.AddToken("ghs_actions", true)
	if err := f.client(t, "ghs_actions").Check(ctx, []string{"jarvis"}); err != nil {
		t.Errorf("Check with a token without scopes: %v (delete permission shows at the first deletion)", err)
	}
	if err := f.client(t, token).Check(ctx, []string{"nope"}); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Check of a package that does not exist: %v", err)
	}
}

// A version the engine was never shown in a listing may lose only the tag asked for:
// the adapter's own look-up of the version id does not vouch for its other tags.
func TestDeleteByDigestWithoutListingAllowsOnlyTheTag(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	d := f.digests["jarvis:PR3571-test"]
	raw, mediaType, err := c.Manifest(ctx, "jarvis", d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "5.33.0", raw, mediaType); err != nil {
		t.Fatal(err)
	}
	err = c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest)
	if !errors.Is(err, registry.ErrInUse) || !slices.Contains(f.tags(t, "jarvis"), "5.33.0") {
		t.Errorf("Delete: %v, want ErrInUse and 5.33.0 kept", err)
	}
}

// Two PR tags on one version, both shown by the listing, go with one deletion.
func TestDeleteByDigestTakesTheTagsTheListingShowed(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, token)
	d := f.digests["jarvis:PR3571-test"]
	raw, mediaType, err := c.Manifest(ctx, "jarvis", d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, "jarvis", "PR3571-test-sha1234", raw, mediaType); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tags(ctx, "jarvis"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "jarvis", "PR3571-test", registry.Manifest{Digest: d}, registry.MethodDigest); err != nil {
		t.Fatal(err)
	}
	tags := f.tags(t, "jarvis")
	if slices.Contains(tags, "PR3571-test") || slices.Contains(tags, "PR3571-test-sha1234") {
		t.Errorf("after the deletion: %v", tags)
	}
}

// A retag whose throwaway version cannot be deleted puts the tag back on its own
// manifest: a failed deletion leaves the tag as it was.
func TestRetagPutsTheTagBackWhenItsVersionStays(t *testing.T) {
	f := newFixture(t)
	f.ghcr.AddClassicToken("ghp_nodelete", "read:packages", "write:packages")
	c := f.client(t, "ghp_nodelete")
	d := f.digests["jarvis:PR3574-test"]
	err := c.Delete(ctx, "jarvis", "PR3574-test", registry.Manifest{Digest: d}, registry.MethodRetag)
	if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "put back") {
		t.Errorf("Delete: %v, want ErrUnauthorized and the tag put back", err)
	}
	m, err := c.Resolve(ctx, "jarvis", "PR3574-test")
	if err != nil || m.Digest != d {
		t.Errorf("PR3574-test: %+v, %v; want it on %s again", m, err, d)
	}
}

// A throwaway version that GitHub lists a moment after the push is waited for.
func TestRetagWaitsForTheThrowawaysVersion(t *testing.T) {
	f := newFixture(t, registrytest.WithGHCRListingLag(2))
	waits := &httpxtest.Sleeps{}
	c := f.client(t, token, func(o *ghcr.Options) { o.Sleep = waits.Sleep })
	d := f.digests["jarvis:PR3574-test"]
	if err := c.Delete(ctx, "jarvis", "PR3574-test", registry.Manifest{Digest: d}, registry.MethodRetag); err != nil {
		t.Fatal(err)
	}
	if got := waits.Waits(); len(got) != 2 {
		t.Errorf("waited %v; want twice", got)
	}
	if tags := f.tags(t, "jarvis"); slices.Contains(tags, "PR3574-test") || !slices.Contains(tags, "5.32.0-develop") {
		t.Errorf("after the retag: %v", tags)
	}
}
