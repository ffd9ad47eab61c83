package acr_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// hide sets listEnabled false on repo:tag: ACR's tag listing no longer shows it, but
// a DELETE of its manifest by digest still takes it along.
func hide(f *fixture, repo, tag string) {
	at := registrytest.ACRUnlocked()
	at.ListEnabled = false
	f.acr.SetTagAttributes(repo, tag, at)
}

// A release tag hidden from the tag listing shares its image with a PR tag. Deleting
// that image by digest (untagged: delete, or a manifest item) would delete the
// release tag too: ACR refuses nothing, so the client reads the manifest's own tags
// first and refuses with ErrInUse, naming the tag. Untagging stays the way a tag goes.
func TestHiddenTagHoldsItsManifest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	hide(f, "jarvis", "5.32.0-develop")
	c := f.client(t, f.spCredentials(), nil)
	tags, err := c.Tags(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(tags, "5.32.0-develop") || !slices.Contains(tags, "PR3574-test") {
		t.Fatalf("the tag listing shows %v: 5.32.0-develop should be hidden, PR3574-test not", tags)
	}
	pr, err := c.Resolve(ctx, "jarvis", "PR3574-test")
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capabilities(ctx, "jarvis")
	if err != nil || !caps.Untag {
		t.Fatalf("capabilities %+v, %v: ACR removes a tag alone with its untag call", caps, err)
	}
	if err := c.Check(ctx, []string{"jarvis"}); err != nil { // signs in to delete, as validate does
		t.Fatal(err)
	}

	// The PR tag as a digest deletion, and the image as a manifest item (no tag).
	for _, tag := range []string{"PR3574-test", ""} {
		err := c.Delete(ctx, "jarvis", tag, pr, registry.MethodDigest)
		if !errors.Is(err, registry.ErrInUse) || !strings.Contains(err.Error(), "5.32.0-develop") {
			t.Errorf("deleting %s (tag %q) by digest: %v; want ErrInUse naming 5.32.0-develop", pr.Digest, tag, err)
		}
	}
	if n := f.acr.Count("DELETE /v2/{repo}/manifests/{ref}"); n != 0 {
		t.Errorf("%d manifest DELETEs sent, want none", n)
	}

	// Untagging removes the PR tag alone, with ACR's untag call.
	untags := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}")
	if err := c.Delete(ctx, "jarvis", "PR3574-test", pr, registry.MethodUntag); err != nil {
		t.Fatal(err)
	}
	if n := f.acr.Count("DELETE /acr/v1/{repo}/_tags/{tag}") - untags; n != 1 {
		t.Errorf("%d untag requests, want 1", n)
	}
	if n := f.acr.Count("DELETE /v2/{repo}/manifests/{ref}"); n != 0 {
		t.Errorf("%d manifest DELETEs sent, want none", n)
	}
	// Now untagged as far as the listing shows, the image still carries the release tag.
	err = c.Delete(ctx, "jarvis", "", pr, registry.MethodDigest)
	if !errors.Is(err, registry.ErrInUse) || !strings.Contains(err.Error(), "5.32.0-develop") {
		t.Errorf("deleting the untagged-looking image: %v; want ErrInUse naming 5.32.0-develop", err)
	}
	if m, err := c.Resolve(ctx, "jarvis", "5.32.0-develop"); err != nil || m.Digest != pr.Digest {
		t.Errorf("the hidden release tag resolves to %+v, %v; want %s", m, err, pr.Digest)
	}

	// The release tag itself, by digest: nothing else holds the image.
	if err := c.Delete(ctx, "jarvis", "5.32.0-develop", pr, registry.MethodDigest); err != nil {
		t.Errorf("deleting the image of its last tag: %v", err)
	}
	if _, err := c.Resolve(ctx, "jarvis", "5.32.0-develop"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("after deleting its image, 5.32.0-develop resolves: %v", err)
	}
}

// The manifest listing of the release tag's image: whether ACR names a hidden tag
// there is not documented. Left out, the entry looks tagged by the PR tag alone, and
// the deletion by digest is refused all the same; named, the hidden tag is on the
// entry, locked (its attributes are unknown: the tag listing does not show it).
func TestListManifestsHiddenTags(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name             string
		opts             []registrytest.ACROption
		tags, lockedTags []string
	}{
		{"left out of the listing", nil, []string{"PR3574-test"}, nil},
		{"named in the listing", []registrytest.ACROption{registrytest.WithACRHiddenTagsInManifestListing()},
			[]string{"5.32.0-develop", "PR3574-test"}, []string{"5.32.0-develop"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			hide(f, "jarvis", "5.32.0-develop")
			c := f.client(t, f.spCredentials(), nil)
			got, err := c.ListManifests(ctx, "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(got, func(e registry.ListedManifest) bool { return e.Digest == f.digests["jarvis:PR3574-test"] })
			if i < 0 {
				t.Fatalf("the shared image is not listed: %+v", got)
			}
			e := got[i]
			if !slices.Equal(e.Tags, tt.tags) || !slices.Equal(e.LockedTags, tt.lockedTags) || e.Locked != (tt.lockedTags != nil) {
				t.Errorf("tags %v, locked tags %v, locked %v; want %v, %v", e.Tags, e.LockedTags, e.Locked, tt.tags, tt.lockedTags)
			}
			err = c.Delete(ctx, "jarvis", "PR3574-test", e.Manifest, registry.MethodDigest)
			if !errors.Is(err, registry.ErrInUse) || !strings.Contains(err.Error(), "5.32.0-develop") {
				t.Errorf("deleting the image by digest: %v; want ErrInUse naming 5.32.0-develop", err)
			}
		})
	}
}

// A manifest hidden from the manifest listing (listEnabled false on the manifest)
// whose tag the tag listing shows is read on its own; a tag that moves between the
// two listings stays with its new image, and its old image holds everything (Err).
func TestListManifestsLeftOutAndMoved(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	at := registrytest.ACRUnlocked()
	at.ListEnabled = false
	f.acr.SetManifestAttributes("jarvis", f.digests["jarvis:PR3561-test"], at)
	var moved string
	c := f.client(t, f.spCredentials(), nil, withFaults(func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/_tags") && moved == "" {
			moved = registrytest.MustSeed(t, f.backend, []registrytest.Image{{Repo: "jarvis", Tag: "PR3571-test", Seed: 777}})["jarvis:PR3571-test"]
		}
		return false
	}, nil))
	got, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	byDigest := map[string]registry.ListedManifest{}
	for _, e := range got {
		byDigest[e.Digest] = e
	}
	if e := byDigest[f.digests["jarvis:PR3561-test"]]; !slices.Equal(e.Tags, []string{"PR3561-test"}) || e.Err != nil || e.MediaType == "" {
		t.Errorf("the hidden manifest: %+v", e)
	}
	if n := f.acr.Count("GET /acr/v1/{repo}/_manifests/{digest}"); n != 2 {
		t.Errorf("%d manifests read on their own, want 2: the hidden one and the moved tag's new one", n)
	}
	if e := byDigest[moved]; !slices.Equal(e.Tags, []string{"PR3571-test"}) || e.Err != nil {
		t.Errorf("the moved tag's new image: %+v", e)
	}
	if e := byDigest[f.digests["jarvis:PR3571-test"]]; len(e.Tags) != 0 || e.Err == nil || !strings.Contains(e.Err.Error(), "PR3571-test moved") {
		t.Errorf("the moved tag's old image: tags %v, Err %v; want no tags and an Err", e.Tags, e.Err)
	}
}

// A tag whose manifest is missing (dangling) holds everything, but only its own lock
// keeps it: untagging it is how it goes.
func TestListManifestsDanglingTag(t *testing.T) {
	f := newFixture(t)
	d := f.digests["jarvis:PR3561-test"]
	at := registrytest.ACRUnlocked()
	at.ListEnabled = false
	f.acr.SetManifestAttributes("jarvis", d, at) // left out of the listing, so read on its own
	c := f.client(t, f.spCredentials(), nil, func(o *acr.Options) {
		o.Transport = faulty{next: o.Transport, status: http.StatusNotFound, fail: func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/_manifests/"+d)
		}}
	})
	got, err := c.ListManifests(context.Background(), "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(got, func(e registry.ListedManifest) bool { return e.Digest == d })
	if i < 0 || !errors.Is(got[i].Err, registry.ErrNotFound) || !slices.Equal(got[i].Tags, []string{"PR3561-test"}) ||
		got[i].LockedTags != nil || got[i].Locked {
		t.Errorf("the dangling tag's entry: %+v; want Err (not found), the tag, no lock", got[i])
	}
}
