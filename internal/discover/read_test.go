package discover_test

import (
	"context"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/registry"
)

// flaky answers a tag's first reads with a 404 that is not the truth.
type flaky struct {
	mu       sync.Mutex
	notFound map[string]int // tag → spurious 404s left
	reads    int
}

func (f *flaky) Repositories(context.Context) ([]string, error) { return []string{"app"}, nil }
func (f *flaky) Tags(context.Context, string) ([]string, error) { return []string{"a", "b"}, nil }
func (f *flaky) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.notFound[tag] > 0 {
		f.notFound[tag]--
		return registry.Manifest{}, registry.ErrNotFound
	}
	return registry.Manifest{Digest: "sha256:" + tag}, nil
}

// A tag is dangling (listed, manifest missing) only when two reads in a row say so:
// one 404 is read again.
func TestReadTakesOne404ForNoAnswer(t *testing.T) {
	f := &flaky{notFound: map[string]int{"a": 1, "b": 2}}
	ms, err := discover.Read(context.Background(), f, "app", []string{"a", "b"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := ms.ByTag["a"]; !ok || m.Digest != "sha256:a" {
		t.Errorf("a (one spurious 404): %+v, unresolved %v", m, ms.Unresolved["a"])
	}
	if _, ok := ms.Unresolved["b"]; !ok {
		t.Errorf("b (404 twice) is not unresolved: %+v", ms.ByTag["b"])
	}
	if f.reads != 4 {
		t.Errorf("%d reads, want 4 (a twice, b twice)", f.reads)
	}
}
