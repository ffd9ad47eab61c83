package faulttest

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
)

// deleteExpected untags what a sweep with seed's states would delete.
func deleteExpected(ctx context.Context, tb testing.TB, w *World, seed uint64) {
	tb.Helper()
	for _, ref := range ExpectedDeleted(w.images, States(seed)) {
		repo, tag, _ := strings.Cut(ref, ":")
		if err := w.do(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+tag, nil, "", nil, nil); err != nil {
			tb.Fatal(err)
		}
	}
}

// Restore brings back exactly the seeded registry after a sweep's deletions, and
// removes a tag the fixture does not have.
func TestWorldRestore(t *testing.T) {
	ctx := context.Background()
	w, err := NewWorld(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	seeded, err := w.Contents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(seeded, w.Digests()) || len(seeded) != len(Images()) {
		t.Fatalf("the registry holds %d tags, not the %d seeded", len(seeded), len(Images()))
	}
	deleteExpected(ctx, t, w, 1)
	m := w.manifests["jarvis:PR3571-test"]
	if err := w.do(ctx, http.MethodPut, "/v2/jarvis/manifests/stray", m.body, m.mediaType, nil, nil); err != nil {
		t.Fatal(err)
	}
	dirty, err := w.Contents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(Images()) - len(ExpectedDeleted(w.images, States(1))) + 1; len(dirty) != want {
		t.Fatalf("%d tags after deleting, want %d", len(dirty), want)
	}
	if err := w.Restore(ctx, dirty); err != nil {
		t.Fatal(err)
	}
	restored, err := w.Contents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(restored, w.Digests()) {
		t.Errorf("after Restore the registry differs from the seeded one")
	}
}

// The suite restores one registry per worker rather than seeding a new one per
// run: compare.
//
//	go test -run '^$' -bench World ./internal/faulttest
func BenchmarkWorld(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			w, err := NewWorld(ctx)
			if err != nil {
				b.Fatal(err)
			}
			_ = w.Close()
		}
	})
	b.Run("restore", func(b *testing.B) {
		w, err := NewWorld(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		for b.Loop() {
			b.StopTimer()
			deleteExpected(ctx, b, w, 1)
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
