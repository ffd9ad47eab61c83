package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// A kept image keeps its signature: when a kept index lists the deleted tag's image
// as a child, and when a kept tag could not be read at all (issue 8, item 3).
func TestKeptImageKeepsItsSignature(t *testing.T) {
	x := "sha256:" + strings.Repeat("c", 64)
	sigTag := "sha256-" + strings.Repeat("c", 64) + ".sig"
	for _, caps := range []registry.Capabilities{untagCaps, v28Caps} {
		t.Run("child of a kept index", func(t *testing.T) {
			items := []plan.Item{item("PR1-amd64", policy.Delete), item("release", policy.Keep), item(sigTag, policy.Keep)}
			repos := map[string]plan.Repo{"jarvis": {Caps: caps, Manifests: map[string]registry.Manifest{
				"PR1-amd64": man(x), "release": man("sha256:idx", x), sigTag: man("sha256:5160"),
			}}}
			plan.Guard(items, repos)
			items = plan.Expand(items, repos, plan.Graph{UntaggedDelete: true})
			if got := outcome(items)[sigTag]; got != "keep" {
				t.Errorf("%+v: the signature of an image a kept index lists: %s, want keep", caps, got)
			}
		})
		t.Run("a kept tag could not be read", func(t *testing.T) {
			items := []plan.Item{item("PR1-amd64", policy.Delete), item("release", policy.Keep), item(sigTag, policy.Keep)}
			repos := map[string]plan.Repo{"jarvis": {Caps: caps,
				Manifests:  map[string]registry.Manifest{"PR1-amd64": man(x), sigTag: man("sha256:5160")},
				Unresolved: map[string]error{"release": errors.New("HTTP 500")},
			}}
			plan.Guard(items, repos)
			items = plan.Expand(items, repos, plan.Graph{})
			got := outcome(items)
			if got[sigTag] != "keep" {
				t.Errorf("%+v: the signature when a kept tag is unreadable: %s, want keep", caps, got[sigTag])
			}
			if !strings.HasPrefix(got["release"], "failed: ") {
				t.Errorf("%+v: the unreadable kept tag: %q, want it reported failed", caps, got["release"])
			}
			// Its image stays too: gone alone, it would leave a signature no later sweep finds.
			if !strings.HasPrefix(got["PR1-amd64"], "failed: ") {
				t.Errorf("%+v: the signed image: %q, want it kept and reported failed with its signature", caps, got["PR1-amd64"])
			}
		})
	}
}

// Running Guard again (Expand does) says nothing twice.
func TestGuardTwiceSaysItOnce(t *testing.T) {
	items := []plan.Item{item("PR1", policy.Delete), item("release", policy.Keep)}
	repos := map[string]plan.Repo{"jarvis": {Caps: digestOnly, Manifests: map[string]registry.Manifest{
		"PR1": man("sha256:a"), "release": man("sha256:a")}}}
	plan.Guard(items, repos)
	plan.Guard(items, repos)
	if n := strings.Count(items[0].Reason, "kept:"); n != 1 || items[0].Action != policy.Keep {
		t.Errorf("reason after two guards: %q (method %q)", items[0].Reason, items[0].Method)
	}
	items = []plan.Item{item("PR1", policy.Delete)}
	repos = map[string]plan.Repo{"jarvis": {Caps: digestOnly, Manifests: map[string]registry.Manifest{}, Unresolved: map[string]error{"PR1": registry.ErrNotFound}}}
	plan.Guard(items, repos)
	plan.Guard(items, repos)
	if strings.Count(items[0].Reason, "kept:") != 1 || strings.Count(items[0].Reason, "(a dangling tag") != 1 {
		t.Errorf("reason after two guards: %q", items[0].Reason)
	}
}

// An index goes before its children: each child's LinkedTo is what removes its index.
func TestExpandIndexBeforeChildren(t *testing.T) {
	for _, tt := range []struct {
		caps        registry.Capabilities
		graph       plan.Graph
		childLinked string
	}{
		{v28Caps, plan.Graph{}, "jarvis:PR1-multi"},                                          // the tag's digest DELETE removes the index
		{untagCaps, plan.Graph{UntaggedDelete: true}, "jarvis@sha256:i1"},                    // the index's manifest item
		{v28Caps, plan.Graph{UntaggedDelete: true}, "jarvis:PR1-multi"},                      // by digest already: no manifest item for it
		{registry.Capabilities{Retag: true, Digest: true}, plan.Graph{}, "jarvis:PR1-multi"}, // same as 2.8
	} {
		items := []plan.Item{item("PR1-multi", policy.Delete), item("release", policy.Keep)}
		repos := map[string]plan.Repo{"jarvis": {Caps: tt.caps, Manifests: map[string]registry.Manifest{
			"PR1-multi": man("sha256:i1", "sha256:c1"), "release": man("sha256:r"),
		}}}
		plan.Guard(items, repos)
		items = plan.Expand(items, repos, tt.graph)
		for _, it := range items {
			if it.Digest == "sha256:c1" && it.LinkedTo != tt.childLinked {
				t.Errorf("%+v %+v: the child goes after %q, want after %q", tt.caps, tt.graph, it.LinkedTo, tt.childLinked)
			}
		}
	}
}

// A dangling tag (listed, manifest missing) is removed by a method that needs no
// digest, never by digest.
func TestGuardDanglingTag(t *testing.T) {
	for caps, want := range map[registry.Capabilities]string{untagCaps: "untag", v28Caps: "retag", digestOnly: "keep"} {
		items := []plan.Item{item("PR1", policy.Delete)}
		plan.Guard(items, map[string]plan.Repo{"jarvis": {Caps: caps, Manifests: map[string]registry.Manifest{},
			Unresolved: map[string]error{"PR1": registry.ErrNotFound}}})
		if got := outcome(items)["PR1"]; got != want || !strings.Contains(items[0].Reason, "dangling") {
			t.Errorf("%+v: %s (%s), want %s", caps, got, items[0].Reason, want)
		}
	}
}
