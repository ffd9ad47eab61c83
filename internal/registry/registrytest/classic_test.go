package registrytest_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// classicDigests pins the digests of ClassicSet: they must be the same on every run,
// every machine and every registry.
func classicDigests() map[string]string {
	return map[string]string{
		"jarvis:5.32.0-develop":     "sha256:78e86bbd23c069faa7078db11e406a4ff60b695437ca01b3f7dd533dde6dca2d",
		"jarvis:5.32.0-develop-arm": "sha256:8ae39f67cab952d1e9749d811c5e884c1cc5065a39415c01e9a122188064b57c",
		"jarvis:PR3561-test":        "sha256:cbccc0078f8e15ab9a122601378129500d9eb0218a0efae2418be589e8af71ee",
		"jarvis:PR3561-test-arm":    "sha256:52fbca2526b694194a748f8b186358805a6027ddeebab3d011ccdc2a9c365ba0",
		"jarvis:PR3565-test":        "sha256:f7c6a525ef27cf42512294b9944d3b0e405cf701ed6aa3f492a8c6981e418f70",
		"jarvis:PR3565-test-arm":    "sha256:6c138ee88c1b35f82ab2847137562b536440b7c5224e84c7f1345264b77a386c",
		"jarvis:PR3571-test":        "sha256:7bb0fc5b557720b9cd7edc2e2fc76bf4e416edb4c1866762fda3c284baaab3ec",
		"jarvis:PR3571-test-arm":    "sha256:a40727c97bc76e81373b046026941395c0d95106b874ca86e42b029a67379418",
		"jarvis:PR3574-test":        "sha256:78e86bbd23c069faa7078db11e406a4ff60b695437ca01b3f7dd533dde6dca2d",
		"jarvis:PR3574-test-arm":    "sha256:8ae39f67cab952d1e9749d811c5e884c1cc5065a39415c01e9a122188064b57c",
		"jarvis:PR3589-test":        "sha256:589dde9a6faa016cd147f1391652f023389da18b9d7ea069a380b66a8659cf59",
		"jarvis:PR3589-test-arm":    "sha256:708150ae8552b2ec30cfa35cc45a4b4bbe035bf74a4ce0725420bc370bff8746",
		"jarvis_base:arm":           "sha256:ba2b60a77d95002a27324872c09707c7c7093b0bbe3e846e34e6d0df34ead0a0",
		"jarvis_base:arm-test":      "sha256:fc4ff9a2a50db7526746991417dd23906acc249a167cf3e4f2c451ab8d9f097f",
		"jarvis_base:latest":        "sha256:dc7fb4bbed0b1d23458b9d4ac637adc5fc985544ae780220740547435ee508c3",
		"jarvis_base:test":          "sha256:186bb2b9f5ce37fb4e179da0ea18304d0bfecc666e22793cb3a656053fc780c5",
		"jarvisautomation:arm":      "sha256:b3836ffff130b9b46edb0785479ab9b71ccc9682d7890cb64822836415984844",
		"jarvisautomation:latest":   "sha256:52969adbb29b3aca878afaa643086e6af10694499824064fce6e138989742819",
	}
}

func TestClassicSetOutcome(t *testing.T) {
	set := registrytest.ClassicSet()
	if got := len(set); got != 18 {
		t.Fatalf("ClassicSet has %d tags, want 18", got)
	}
	if diff := cmp.Diff(refsOf(set), slices.Sorted(slices.Values(append(registrytest.ClassicDeleted(), registrytest.ClassicPreserved()...)))); diff != "" {
		t.Errorf("ClassicDeleted + ClassicPreserved != ClassicSet (-set +deleted,preserved):\n%s", diff)
	}
	if got := len(registrytest.ClassicPreserved()); got != 14 {
		t.Errorf("ClassicPreserved has %d tags, want 14", got)
	}
	for _, ref := range registrytest.ClassicDeleted() {
		var inClosed bool
		for _, pr := range registrytest.ClassicClosedPRs() {
			inClosed = inClosed || strings.HasPrefix(ref, "jarvis:PR"+pr+"-")
		}
		if !inClosed {
			t.Errorf("ClassicDeleted has %s, which is not a tag of a closed PR", ref)
		}
	}
}

// TestClassicSet seeds the classic set and checks that the registry serves exactly the
// seeded digests, the same on v3 and 2.8, with the PR tag sharing the release's digest.
func TestClassicSet(t *testing.T) {
	t.Parallel()
	for _, r := range registries() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := r.start(t)
			if got := string(s.Kind()); got != r.name {
				t.Errorf("Kind() = %q, want %q", got, r.name)
			}
			seeded := registrytest.MustSeed(t, s, registrytest.ClassicSet())

			want := classicDigests()
			if len(want) == 0 {
				t.Errorf("no pinned digests; the current ones are:\n%s", goMap(seeded))
			} else if diff := cmp.Diff(want, seeded); diff != "" {
				t.Errorf("seeded digests changed (-pinned +seeded):\n%s\ncurrent:\n%s", diff, goMap(seeded))
			}
			for ref, d := range seeded {
				repo, tag, _ := strings.Cut(ref, ":")
				if got := headDigest(t, s, repo, tag); got != d {
					t.Errorf("HEAD %s: digest %s, want the seeded %s", ref, got, d)
				}
			}
			for _, pair := range [][2]string{{"PR3574-test", "5.32.0-develop"}, {"PR3574-test-arm", "5.32.0-develop-arm"}} {
				if a, b := seeded["jarvis:"+pair[0]], seeded["jarvis:"+pair[1]]; a != b {
					t.Errorf("jarvis:%s is %s, jarvis:%s is %s: want one digest", pair[0], a, pair[1], b)
				}
			}
			if n := len(slices.Compact(slices.Sorted(maps.Values(seeded)))); n != 16 {
				t.Errorf("%d distinct digests, want 16 (18 tags, 2 shared)", n)
			}
			for repo, tags := range tagsByRepo(refsOf(registrytest.ClassicSet())) {
				if diff := cmp.Diff(tags, tagsOf(t, s, repo)); diff != "" {
					t.Errorf("tags/list of %s (-seeded +listed):\n%s", repo, diff)
				}
			}
		})
	}
}

// TestDeleteTagSharingDigest documents what the sweep relies on: v3 removes one tag on
// DELETE manifests/<tag>, 2.8 refuses it and changes nothing.
func TestDeleteTagSharingDigest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		starter
		wantStatus int
		wantCode   string
		wantGone   bool
	}{
		{starter: registries()[0], wantStatus: http.StatusAccepted, wantGone: true},
		{starter: registries()[1], wantStatus: http.StatusBadRequest, wantCode: "DIGEST_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.start(t)
			seeded := registrytest.MustSeed(t, s, registrytest.ClassicSet())
			before := tagsOf(t, s, "jarvis")

			r := call(t, s, http.MethodDelete, "/v2/jarvis/manifests/PR3574-test")
			if r.status != tt.wantStatus || !strings.Contains(r.body, tt.wantCode) {
				t.Fatalf("DELETE jarvis:PR3574-test: %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
			want := before
			if tt.wantGone {
				want = slices.DeleteFunc(slices.Clone(before), func(tag string) bool { return tag == "PR3574-test" })
			}
			if diff := cmp.Diff(want, tagsOf(t, s, "jarvis")); diff != "" {
				t.Errorf("jarvis tags after DELETE (-want +got):\n%s", diff)
			}
			release := seeded["jarvis:5.32.0-develop"]
			if got := headDigest(t, s, "jarvis", "5.32.0-develop"); got != release {
				t.Errorf("jarvis:5.32.0-develop is %s after DELETE, want %s", got, release)
			}
			if got := headDigest(t, s, "jarvis", release); got != release {
				t.Errorf("HEAD jarvis@%s = %s", release, got)
			}
		})
	}
}

func TestDeleteDisabled(t *testing.T) {
	t.Parallel()
	for _, r := range registries() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := r.start(t, registrytest.WithDeleteDisabled())
			seeded := registrytest.MustSeed(t, s, registrytest.ClassicSet()[:1])
			for _, ref := range []string{"PR3571-test", seeded["jarvis:PR3571-test"]} {
				r := call(t, s, http.MethodDelete, "/v2/jarvis/manifests/"+ref)
				if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.body, "UNSUPPORTED") {
					t.Errorf("DELETE jarvis:%s: %d %s, want 405 UNSUPPORTED", ref, r.status, r.body)
				}
			}
		})
	}
}

// goMap prints digests as the body of classicDigests.
func goMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "\t\t%q: %q,\n", k, m[k])
	}
	return b.String()
}
