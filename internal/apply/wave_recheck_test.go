package apply_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// manifestsOnly deletes as distribution 2.8 does: by digest, with every tag on it.
// After the DELETE of moveAfter, release is moved onto moveTo (crane tag). It counts
// what apply asks.
type manifestsOnly struct {
	mu                  sync.Mutex
	tags                map[string]string   // tag → digest
	children            map[string][]string // index digest → children
	moveAfter, moveTo   string
	gone                []string // digests deleted
	lists, reads, pages int
}

func (r *manifestsOnly) Tags(context.Context, string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists++
	return slices.Collect(maps.Keys(r.tags)), nil
}

func (r *manifestsOnly) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	d, ok := r.tags[tag]
	if !ok {
		return registry.Manifest{}, registry.ErrNotFound
	}
	return registry.Manifest{Digest: d, Children: r.children[d]}, nil
}

func (r *manifestsOnly) Delete(_ context.Context, _, _ string, m registry.Manifest, _ registry.Method) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gone = append(r.gone, m.Digest)
	maps.DeleteFunc(r.tags, func(_, d string) bool { return d == m.Digest })
	if m.Digest == r.moveAfter {
		r.tags["release"] = r.moveTo
	}
	return nil
}

// listing is manifestsOnly with a manifest listing (ACR, GHCR).
type listing struct{ *manifestsOnly }

func (l listing) ListManifests(context.Context, string) ([]registry.ListedManifest, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages++
	var out []registry.ListedManifest
	for tag, d := range l.tags {
		out = append(out, registry.ListedManifest{Manifest: registry.Manifest{Digest: d, Children: l.children[d]}, Tags: []string{tag}})
	}
	return out, nil
}

// The wave after an index's deletion re-reads every tag though no tag name changed:
// release, moved onto one of the index's children meanwhile, keeps that child. The
// re-read costs one read per tag the last confirmation listed (no listing again),
// or one manifest listing where the registry has one.
func TestLaterWaveRereadsMovedTags(t *testing.T) {
	for _, lists := range []bool{false, true} {
		reg := &manifestsOnly{
			tags:      map[string]string{"PR1-multi": "sha256:i", "release": "sha256:r"},
			children:  map[string][]string{"sha256:i": {"sha256:c1", "sha256:c2"}},
			moveAfter: "sha256:i", moveTo: "sha256:c1",
		}
		var r apply.Registry = reg
		if lists {
			r = listing{reg}
		}
		child := func(d string) plan.Item {
			return plan.Item{Repository: "jarvis", Digest: d, Action: policy.Delete, Method: registry.MethodDigest,
				Kind: plan.KindManifest, LinkedTo: "jarvis:PR1-multi", Via: plan.ViaChild, Reason: "part of jarvis:PR1-multi"}
		}
		items := []plan.Item{del("PR1-multi", "sha256:i"), child("sha256:c1"), child("sha256:c2"),
			{Repository: "jarvis", Tag: "release", Digest: "sha256:r", Action: policy.Keep}}
		items[0].Method = registry.MethodDigest
		apply.Applier{Registry: r, Fresh: true}.Apply(context.Background(), items)

		if want := []string{"sha256:i", "sha256:c2"}; !slices.Equal(reg.gone, want) {
			t.Errorf("lists=%v: deleted %v, want %v", lists, reg.gone, want)
		}
		if reg.tags["release"] != "sha256:c1" {
			t.Errorf("lists=%v: release is %q, want the child it was moved onto", lists, reg.tags["release"])
		}
		if it := items[1]; it.Action != policy.Keep || it.Done || it.Failed() || !strings.Contains(it.Reason, "jarvis:release") {
			t.Errorf("lists=%v: c1: %+v, want kept for release", lists, it)
		}
		// Without a manifest listing: the first re-read lists and reads both tags, the
		// confirmation lists, the second re-read reads the one tag that listing shows.
		want := [3]int{2, 3, 0}
		if lists { // a manifest listing before each wave, the confirmation's tag listing
			want = [3]int{1, 0, 2}
		}
		if got := [3]int{reg.lists, reg.reads, reg.pages}; got != want {
			t.Errorf("lists=%v: tag listings, tag reads, manifest listings %v, want %v", lists, got, want)
		}
	}
}
