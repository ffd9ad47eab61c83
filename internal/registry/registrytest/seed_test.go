package registrytest_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// TestSeedTwice seeds two fresh registries and compares what they serve.
func TestSeedTwice(t *testing.T) {
	t.Parallel()
	images := append(registrytest.ClassicSet(), registrytest.ManyTags("jarvis_base", "PR", 5)...)
	served := make([]map[string]string, 2)
	for i := range served {
		s := registrytest.StartV3(t)
		registrytest.MustSeed(t, s, images)
		served[i] = map[string]string{}
		for _, img := range images {
			served[i][img.Ref()] = headDigest(t, s, img.Repo, img.Tag)
		}
	}
	if diff := cmp.Diff(served[0], served[1]); diff != "" {
		t.Errorf("two seedings serve different digests (-first +second):\n%s", diff)
	}
}

func TestSeedIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, r := range registries() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := r.start(t)
			oci, err := s.SeedIndex(ctx, "jarvis", "5.32.0-multiarch", []registrytest.Image{
				{Tag: "ignored", Seed: 53210, OCI: true},
				{Seed: 53211, Platform: "linux/arm64/v8", OCI: true},
			}, false)
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.SeedIndex(ctx, "jarvis", "PR3575-test", []registrytest.Image{
				{Seed: 35750},
				{Seed: 35751, Platform: "linux/arm64"},
			}, true)
			if err != nil {
				t.Fatal(err)
			}
			wantTags := map[string]string{
				"jarvis:PR3575-test":       list.Digest,
				"jarvis:PR3575-test-amd64": list.Children[0],
				"jarvis:PR3575-test-arm64": list.Children[1],
			}
			if diff := cmp.Diff(wantTags, list.Tags); diff != "" {
				t.Errorf("PR3575-test tags (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"5.32.0-multiarch", "PR3575-test", "PR3575-test-amd64", "PR3575-test-arm64"}, tagsOf(t, s, "jarvis")); diff != "" {
				t.Errorf("jarvis tags (-want +got):\n%s", diff)
			}
			for _, idx := range []struct {
				tag       string
				got       registrytest.SeededIndex
				mediaType string
			}{
				{"5.32.0-multiarch", oci, "application/vnd.oci.image.index.v1+json"},
				{"PR3575-test", list, "application/vnd.docker.distribution.manifest.list.v2+json"},
			} {
				if got := headDigest(t, s, "jarvis", idx.tag); got != idx.got.Digest {
					t.Errorf("HEAD jarvis:%s = %s, want the index %s", idx.tag, got, idx.got.Digest)
				}
				var m struct {
					MediaType string `json:"mediaType"`
					Manifests []struct {
						Digest   string            `json:"digest"`
						Platform map[string]string `json:"platform"`
					} `json:"manifests"`
				}
				if err := json.Unmarshal([]byte(call(t, s, http.MethodGet, "/v2/jarvis/manifests/"+idx.tag).body), &m); err != nil {
					t.Fatal(err)
				}
				var children, archs []string
				for _, c := range m.Manifests {
					children, archs = append(children, c.Digest), append(archs, c.Platform["architecture"])
				}
				if m.MediaType != idx.mediaType || !slices.Equal(children, idx.got.Children) || !slices.Equal(archs, []string{"amd64", "arm64"}) {
					t.Errorf("jarvis:%s is %s with children %v %v, want %s with %v [amd64 arm64]", idx.tag, m.MediaType, children, archs, idx.mediaType, idx.got.Children)
				}
				for _, c := range idx.got.Children {
					if got := headDigest(t, s, "jarvis", c); got != c {
						t.Errorf("HEAD jarvis@%s = %s", c, got)
					}
				}
			}
		})
	}
}

// linkNext matches the next-page URL of a Link header.
func linkNext(t *testing.T, link string) string {
	t.Helper()
	m := regexp.MustCompile(`^<([^>]+)>;\s*rel="next"$`).FindStringSubmatch(link)
	if link != "" && m == nil {
		t.Fatalf("unexpected Link header %q", link)
	}
	if m == nil {
		return ""
	}
	return m[1]
}

// TestManyTagsPagination shows v3 paging tags/list with Link headers and 2.8 ignoring ?n=.
func TestManyTagsPagination(t *testing.T) {
	t.Parallel()
	images := registrytest.ManyTags("jarvis_base", "PR", 150)
	if images[0].Tag != "PR5000-test" || images[149].Tag != "PR5149-test" {
		t.Fatalf("ManyTags tags %s … %s, want PR5000-test … PR5149-test", images[0].Tag, images[149].Tag)
	}
	for _, tt := range []struct {
		starter
		wantPages int
	}{
		{registries()[0], 4}, // 3 full pages, then an empty one (150 = 3×50)
		{registries()[1], 1}, // n is ignored: everything, no Link
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.start(t)
			seeded := registrytest.MustSeed(t, s, images)
			var tags []string
			pages := 0
			for next := "/v2/jarvis_base/tags/list?n=50"; next != ""; pages++ {
				r := call(t, s, http.MethodGet, next)
				var list struct{ Tags []string }
				if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != http.StatusOK {
					t.Fatalf("GET %s: %d %s %v", next, r.status, r.body, err)
				}
				tags = append(tags, list.Tags...)
				next = linkNext(t, r.header.Get("Link"))
			}
			slices.Sort(tags)
			if diff := cmp.Diff(refsOf(images), prefixed("jarvis_base:", tags)); diff != "" || pages != tt.wantPages {
				t.Errorf("%d pages, want %d; tags (-seeded +listed):\n%s", pages, tt.wantPages, diff)
			}
			if n := len(slices.Compact(slices.Sorted(maps.Values(seeded)))); n != 150 {
				t.Errorf("%d distinct digests, want 150", n)
			}
		})
	}
}

func TestNestedRepository(t *testing.T) {
	t.Parallel()
	images := []registrytest.Image{
		{Repo: "team/app/api", Tag: "latest", Seed: 4001, OCI: true},
		{Repo: "team/app/api", Tag: "PR3571-test", Seed: 4002, OCI: true},
		{Repo: "team/app/api", Tag: "1.0.0", SameAs: "latest"},
	}
	for _, r := range registries() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := r.start(t)
			seeded := registrytest.MustSeed(t, s, images)
			if diff := cmp.Diff([]string{"1.0.0", "PR3571-test", "latest"}, tagsOf(t, s, "team/app/api")); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			for _, img := range images {
				if got := headDigest(t, s, img.Repo, img.Tag); got != seeded[img.Ref()] {
					t.Errorf("HEAD %s = %s, want %s", img.Ref(), got, seeded[img.Ref()])
				}
			}
			if got := call(t, s, http.MethodGet, "/v2/_catalog").body; !strings.Contains(got, `"team/app/api"`) {
				t.Errorf("_catalog %s lacks team/app/api", got)
			}
		})
	}
}

func TestSeedRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, images := range map[string][]registrytest.Image{
		"unknown SameAs": {{Repo: "jarvis", Tag: "a", SameAs: "b"}},
		"SameAs loop":    {{Repo: "jarvis", Tag: "a", SameAs: "b"}, {Repo: "jarvis", Tag: "b", SameAs: "a"}},
		"other repo":     {{Repo: "jarvis", Tag: "a", SameAs: "b"}, {Repo: "jarvis_base", Tag: "b"}},
		"duplicate":      {{Repo: "jarvis", Tag: "a"}, {Repo: "jarvis", Tag: "a", Seed: 1}},
		"no tag":         {{Repo: "jarvis"}},
		"bad platform":   {{Repo: "jarvis", Tag: "a", Platform: "linux"}},
	} {
		// Nothing listens on port 1: a push would fail differently and slowly.
		if _, err := registrytest.Seed(ctx, "127.0.0.1:1", images); err == nil {
			t.Errorf("%s: Seed succeeded", name)
		}
	}
	mixed := []registrytest.Image{{Seed: 1}, {Seed: 2, OCI: true}}
	if _, err := registrytest.SeedIndex(ctx, "127.0.0.1:1", "jarvis", "x", mixed, false); err == nil {
		t.Error("SeedIndex with Docker and OCI children succeeded")
	}
}

func prefixed(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}
