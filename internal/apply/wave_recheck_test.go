package apply_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// The wave after an index's deletion re-reads every tag though no tag name changed:
// release, moved onto one of the index's children meanwhile, keeps that child. The
// re-read costs one read per tag the last confirmation listed (no listing again),
// or one manifest listing where the registry has one.
func TestLaterWaveRereadsMovedTags(t *testing.T) {
	for _, lists := range []bool{false, true} {
		// Deletes as distribution 2.8 does; after the index's DELETE, release is
		// moved onto its first child (crane tag).
		reg := &waveRegistry{
			tags:     map[string]string{"PR1-multi": "sha256:i", "release": "sha256:r"},
			children: map[string][]string{"sha256:i": {"sha256:c1", "sha256:c2"}},
			byDigest: true,
			afterDelete: func(r *waveRegistry, m registry.Manifest) {
				if m.Digest == "sha256:i" {
					r.tags["release"] = "sha256:c1"
				}
			},
		}
		var r apply.Registry = reg
		if lists {
			r = waveLister{reg}
		}
		child := func(d string) plan.Item {
			return plan.Item{Repository: "jarvis", Digest: d, Action: policy.Delete, Method: registry.MethodDigest,
				Kind: plan.KindManifest, LinkedTo: "jarvis:PR1-multi", Via: plan.ViaChild, Reason: "part of jarvis:PR1-multi"}
		}
		items := []plan.Item{del("PR1-multi", "sha256:i"), child("sha256:c1"), child("sha256:c2"),
			{Repository: "jarvis", Tag: "release", Digest: "sha256:r", Action: policy.Keep}}
		items[0].Method = registry.MethodDigest
		apply.Applier{Registry: r, Fresh: true}.Apply(context.Background(), items)

		if want := []string{"sha256:i", "sha256:c2"}; !slices.Equal(reg.goneDigests, want) {
			t.Errorf("lists=%v: deleted %v, want %v", lists, reg.goneDigests, want)
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
