package plan_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Referrer tags (sha256-<hex>, .sig, .att, .sbom) go with a deleted image only: never
// with an image a kept tag still holds, never when a keep pattern matched them, and
// never with referrers: keep.
func TestExpandReferrerTags(t *testing.T) {
	gone, held := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64)
	sig := func(d, suffix string) string { return strings.Replace(d, ":", "-", 1) + suffix }
	build := func() ([]plan.Item, map[string]plan.Repo) {
		items := []plan.Item{
			item("PR1-test", policy.Delete),
			item("PR2-test", policy.Delete),
			item("release", policy.Keep),
			item(sig(gone, ".sig"), policy.Keep),
			item(sig(gone, ".att"), policy.Keep),
			item(sig(held, ".sig"), policy.Keep),
		}
		items[4].KeptBy = `\.att$` // a keep pattern matched it
		mans := map[string]registry.Manifest{
			"PR1-test": man(gone), "PR2-test": man(held), "release": man(held),
			sig(gone, ".sig"): man("sha256:51"), sig(gone, ".att"): man("sha256:52"), sig(held, ".sig"): man("sha256:53"),
		}
		return items, map[string]plan.Repo{"jarvis": {Caps: untagCaps, Manifests: mans}}
	}
	tests := []struct {
		name  string
		graph plan.Graph
		want  map[string]string
	}{
		{"referrers: delete", plan.Graph{}, map[string]string{
			"PR1-test": "untag", "PR2-test": "untag", "release": "keep",
			sig(gone, ".sig"): "untag", sig(gone, ".att"): "keep", sig(held, ".sig"): "keep"}},
		{"referrers: keep", plan.Graph{KeepReferrers: true}, map[string]string{
			"PR1-test": "untag", "PR2-test": "untag", "release": "keep",
			sig(gone, ".sig"): "keep", sig(gone, ".att"): "keep", sig(held, ".sig"): "keep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, repos := build()
			plan.Guard(items, repos)
			items = plan.Expand(items, repos, tt.graph)
			if diff := cmp.Diff(tt.want, outcome(items)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			for _, it := range items {
				if it.Tag == sig(gone, ".sig") && it.Action == policy.Delete && it.LinkedTo != "jarvis:PR1-test" {
					t.Errorf("the signature goes with %q, want jarvis:PR1-test", it.LinkedTo)
				}
			}
		})
	}
}

// untagged: delete removes the manifest a deleted tag leaves behind and its children,
// but never a child a kept index still lists.
func TestExpandUntaggedDelete(t *testing.T) {
	items := []plan.Item{item("PR1-multi", policy.Delete), item("release", policy.Keep)}
	repos := map[string]plan.Repo{"jarvis": {Caps: untagCaps, Manifests: map[string]registry.Manifest{
		"PR1-multi": man("sha256:i1", "sha256:c1", "sha256:shared"),
		"release":   man("sha256:i2", "sha256:shared"),
	}}}
	plan.Guard(items, repos)
	items = plan.Expand(items, repos, plan.Graph{UntaggedDelete: true})
	var removed []string
	for _, it := range items {
		if it.Kind == plan.KindManifest && it.Action == policy.Delete {
			removed = append(removed, it.Digest)
		}
	}
	if diff := cmp.Diff([]string{"sha256:i1", "sha256:c1"}, removed); diff != "" {
		t.Errorf("manifests removed (-want +got):\n%s", diff)
	}
}

// A signature whose image prsweep deleted in an earlier sweep (its audit log says
// so) while the signature's own deletion failed is an orphan: with referrers: delete
// it goes now, unless something staying holds that image again. Without that record
// it stays: a repository may keep signatures of images that live elsewhere
// (COSIGN_REPOSITORY).
func TestExpandOrphanedSignatures(t *testing.T) {
	deleted, repushed, elsewhere := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64), "sha256:"+strings.Repeat("c", 64)
	sig := func(d string) string { return strings.Replace(d, ":", "-", 1) + ".sig" }
	items := []plan.Item{
		item("release", policy.Keep),
		item(sig(deleted), policy.Keep),
		item(sig(repushed), policy.Keep),
		item(sig(elsewhere), policy.Keep),
	}
	mans := map[string]registry.Manifest{
		"release": man(repushed), sig(deleted): man("sha256:51"), sig(repushed): man("sha256:52"), sig(elsewhere): man("sha256:53"),
	}
	repos := map[string]plan.Repo{"jarvis": {Caps: untagCaps, Manifests: mans, Journaled: map[string]bool{deleted: true, repushed: true}}}
	plan.Guard(items, repos)
	items = plan.Expand(items, repos, plan.Graph{})
	want := map[string]string{"release": "keep", sig(deleted): "untag", sig(repushed): "keep", sig(elsewhere): "keep"}
	if diff := cmp.Diff(want, outcome(items)); diff != "" {
		t.Errorf("outcome (-want +got):\n%s", diff)
	}
	for _, it := range items {
		if it.Tag == sig(deleted) && !strings.Contains(it.Reason, "audit log") {
			t.Errorf("the orphan's reason %q does not say how prsweep knows", it.Reason)
		}
	}
	keep := plan.Graph{KeepReferrers: true}
	items, repos = items[:4], map[string]plan.Repo{"jarvis": repos["jarvis"]}
	for i := range items {
		items[i].Action, items[i].Method, items[i].Reason = policy.Keep, "", ""
	}
	if got := outcome(plan.Expand(items, repos, keep))[sig(deleted)]; got != "keep" {
		t.Errorf("referrers: keep: the orphan is %s, want keep", got)
	}
}
