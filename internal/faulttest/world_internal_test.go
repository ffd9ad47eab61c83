package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// startWorld starts a world of kind, skipping the test when 2.8 is not installed
// (unless it is required).
func startWorld(tb testing.TB, kind registrytest.Kind) *World {
	tb.Helper()
	w, err := NewWorld(context.Background(), kind)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv(registrytest.RequireDistribution28Env) != "1" {
		tb.Skipf("distribution 2.8 is not installed: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = w.Close() })
	return w
}

// vandalize removes what a sweep with seed 1 would, and more: on v3 it untags
// every expected tag and adds a stray tag; on 2.8, which deletes only manifests,
// it deletes by digest a shared release image (two tags go), a PR index, an
// untagged child of the kept release index and a signature.
func vandalize(ctx context.Context, tb testing.TB, w *World) {
	tb.Helper()
	f := w.Fixture()
	del := func(repo, ref string) {
		tb.Helper()
		if err := w.expect(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+ref, nil, ""); err != nil {
			tb.Fatal(err)
		}
	}
	if w.Kind() == registrytest.KindV3 {
		for _, ref := range ExpectedDeleted(f, States(1), SetupFor(1, w.Kind())) {
			repo, tag, _ := strings.Cut(ref, ":")
			del(repo, tag)
		}
		if err := w.put(ctx, "jarvis", "stray", f.Digests["jarvis:PR3571-test"]); err != nil {
			tb.Fatal(err)
		}
		return
	}
	release := f.Digests[AppRepo+":release-2.0"]
	// A stray tag on a manifest of its own, as a sweep's throwaway would be.
	m := w.manifests[f.Digests[AppRepo+":PR6005-test"]]
	if err := w.expect(ctx, http.MethodPut, "/v2/"+AppRepo+"/manifests/stray", append(slices.Clone(m.body), '\n'), m.mediaType); err != nil {
		tb.Fatal(err)
	}
	del("jarvis", f.Digests["jarvis:5.32.0-develop"])
	del(AppRepo, f.Digests[AppRepo+":PR6001-multi"])
	del(AppRepo, f.Children[release][1])
	del(AppRepo, f.Digests[AppRepo+":"+SignatureTag(f.Digests[AppRepo+":stable"])])
}

// Restore brings back exactly the seeded registry after deletions, on v3 and 2.8;
// Pull finds a kept index that lost a child.
func TestWorldRestore(t *testing.T) {
	for _, kind := range []registrytest.Kind{registrytest.KindV3, registrytest.KindDistribution28} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			w := startWorld(t, kind)
			f := w.Fixture()
			seeded, err := w.Contents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(seeded, f.Digests) {
				t.Fatalf("the registry holds %d tags, not the %d seeded", len(seeded), len(f.Digests))
			}
			vandalize(ctx, t, w)
			dirty, err := w.Contents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if maps.Equal(dirty, f.Digests) {
				t.Fatal("nothing changed")
			}
			release := AppRepo + ":release-2.0"
			if kind == registrytest.KindDistribution28 {
				if err := w.Pull(ctx, AppRepo, "release-2.0", f.Digests[release]); err == nil {
					t.Error("the release index pulls without its arm64 child")
				}
			}
			if err := w.Restore(ctx, dirty); err != nil {
				t.Fatal(err)
			}
			restored, err := w.Contents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(restored, f.Digests) {
				t.Errorf("after Restore the registry differs from the seeded one")
			}
			for _, ref := range slices.Sorted(maps.Keys(f.Digests)) {
				repo, tag, _ := strings.Cut(ref, ":")
				if err := w.Pull(ctx, repo, tag, f.Digests[ref]); err != nil {
					t.Error(err)
				}
			}
			if kind == registrytest.KindV3 { // last: nothing puts a blob back
				blobGone(ctx, t, w)
			}
		})
	}
}

// A blob deleted after it was checked breaks the pull once the world forgets
// what it checked.
func blobGone(ctx context.Context, t *testing.T, w *World) {
	t.Helper()
	d := w.fixture.Digests["jarvis:5.32.0-develop"]
	var m manifestJSON
	if err := json.Unmarshal(w.manifests[d].body, &m); err != nil {
		t.Fatal(err)
	}
	if err := w.expect(ctx, http.MethodDelete, "/v2/jarvis/blobs/"+m.Layers[1].Digest, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Pull(ctx, "jarvis", "5.32.0-develop", d); err != nil {
		t.Errorf("a blob checked before is fetched again: %v", err)
	}
	w.ForgetBlobs()
	if err := w.Pull(ctx, "jarvis", "5.32.0-develop", d); err == nil || !strings.Contains(err.Error(), m.Layers[1].Digest) {
		t.Errorf("pulling without a layer: %v", err)
	}
}

// The fixture holds what the suite's checks are about: the release index's
// amd64 child is PR6003-amd64, signatures are tagged after their images, and the
// oracle deletes a signature with its image unless something kept holds it.
func TestFixture(t *testing.T) {
	w := startWorld(t, registrytest.KindV3)
	f := w.Fixture()
	release := f.Digests[AppRepo+":release-2.0"]
	if c := f.Children[release]; len(c) != 2 || c[0] != f.Digests[AppRepo+":PR6003-amd64"] {
		t.Errorf("release-2.0's children are %v; PR6003-amd64 is %s", c, f.Digests[AppRepo+":PR6003-amd64"])
	}
	sig := func(ref string) string {
		repo, _, _ := strings.Cut(ref, ":")
		return repo + ":" + SignatureTag(f.Digests[ref])
	}
	for _, ref := range Signed() {
		if _, ok := f.Digests[sig(ref)]; !ok {
			t.Errorf("%s has no signature tag", ref)
		}
	}
	states := States(1)
	states[6006] = "active"
	got := ExpectedDeleted(f, states, Setup{Referrers: "delete"})
	for ref, want := range map[string]bool{
		sig(AppRepo + ":PR6001-multi"): true, sig(AppRepo + ":PR6005-test"): true, AppRepo + ":PR6003-amd64": true,
		AppRepo + ":PR6004-test": true, AppRepo + ":PR6002-list-amd64": true,
		sig(AppRepo + ":PR6003-amd64"): false, // a kept index's child
		sig(AppRepo + ":stable"):       false, // a kept tag shares the image
		sig(BigRepo + ":release-1.0"):  false,
		sig(AppRepo + ":PR6006-test"):  false, // an open PR's
		AppRepo + ":release-2.0":       false, AppRepo + ":stable": false,
	} {
		if slices.Contains(got, ref) != want {
			t.Errorf("ExpectedDeleted says %s goes: %v, want %v", ref, !want, want)
		}
	}
	for _, ref := range ExpectedDeleted(f, states, Setup{Referrers: "keep"}) {
		if strings.HasSuffix(ref, ".sig") {
			t.Errorf("with referrers: keep, %s is expected deleted", ref)
		}
	}
}

// The suite restores one registry per worker rather than seeding a new one per
// run: compare.
//
//	go test -run '^$' -bench World ./internal/faulttest
func BenchmarkWorld(b *testing.B) {
	ctx := context.Background()
	for _, kind := range []registrytest.Kind{registrytest.KindV3, registrytest.KindDistribution28} {
		b.Run(string(kind)+"/fresh", func(b *testing.B) {
			for b.Loop() {
				_ = startWorld(b, kind).Close()
			}
		})
		b.Run(string(kind)+"/restore", func(b *testing.B) {
			w := startWorld(b, kind)
			for b.Loop() {
				b.StopTimer()
				vandalize(ctx, b, w)
				b.StartTimer()
				contents, err := w.Contents(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Restore(ctx, contents); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
