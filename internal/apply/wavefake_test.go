package apply_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/prsweep/prsweep/internal/registry"
)

// waveRegistry is a registry held in a map that counts what apply asks and lets a
// test act between apply's steps. It untags as v3 and ACR do, or deletes by digest
// with every tag on it; byDigest deletes by digest whatever the method, as
// distribution 2.8 does. A DELETE of a digest in fail fails and changes nothing.
// The hooks run under the lock, after the step answered.
type waveRegistry struct {
	mu          sync.Mutex
	tags        map[string]string   // tag → digest
	children    map[string][]string // index digest → children
	byDigest    bool
	fail        map[string]bool
	afterList   func(r *waveRegistry)                      // after each tag listing
	afterDelete func(r *waveRegistry, m registry.Manifest) // after each DELETE that succeeded
	goneTags    []string                                   // tags removed
	goneDigests []string                                   // digests deleted, one per DELETE
	deletes     int
	lists       int
	reads       int
	pages       int
}

func (r *waveRegistry) Tags(context.Context, string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists++
	out := slices.Collect(maps.Keys(r.tags))
	if r.afterList != nil {
		r.afterList(r) // the listing above has answered already
	}
	return out, nil
}

func (r *waveRegistry) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	d, ok := r.tags[tag]
	if !ok {
		return registry.Manifest{}, registry.ErrNotFound
	}
	return registry.Manifest{Digest: d, Children: r.children[d]}, nil
}

func (r *waveRegistry) Delete(_ context.Context, _, tag string, m registry.Manifest, method registry.Method) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[m.Digest] {
		return errors.New("unexpected HTTP 500")
	}
	r.deletes++
	r.goneDigests = append(r.goneDigests, m.Digest)
	for t, d := range r.tags {
		if r.byDigest && d == m.Digest || !r.byDigest && (t == tag || method == registry.MethodDigest && d == m.Digest) {
			delete(r.tags, t)
			r.goneTags = append(r.goneTags, t)
		}
	}
	if r.afterDelete != nil {
		r.afterDelete(r, m)
	}
	return nil
}

// waveLister is waveRegistry with a manifest listing (ACR, GHCR).
type waveLister struct{ *waveRegistry }

func (l waveLister) ListManifests(context.Context, string) ([]registry.ListedManifest, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages++
	var out []registry.ListedManifest
	for tag, d := range l.tags {
		out = append(out, registry.ListedManifest{Manifest: registry.Manifest{Digest: d, Children: l.children[d]}, Tags: []string{tag}})
	}
	return out, nil
}
