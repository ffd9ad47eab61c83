package oci_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// servers starts each registry kind the backend must work with.
var servers = map[string]func(t testing.TB, opts ...registrytest.Option) *registrytest.Server{
	"v3":  registrytest.StartV3,
	"2.8": registrytest.StartDistribution28,
}

func newClient(t *testing.T, s *registrytest.Server) *oci.Client {
	t.Helper()
	c, err := oci.New(s.Host(), oci.Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListingAndResolving(t *testing.T) {
	for kind, start := range servers {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := start(t)
			images := append(registrytest.ClassicSet(), registrytest.ManyTags("big", "PR", 130)...)
			images = append(images, registrytest.Image{Repo: "team/app/api", Tag: "PR42-test", Seed: 42, OCI: true})
			digests := registrytest.MustSeed(t, s, images)
			c := newClient(t, s)

			repos, err := c.Repositories(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(repos)
			if diff := cmp.Diff([]string{"big", "jarvis", "jarvis_base", "jarvisautomation", "team/app/api"}, repos); diff != "" {
				t.Errorf("repositories (-want +got):\n%s", diff)
			}
			tags, err := c.Tags(ctx, "big")
			if err != nil {
				t.Fatal(err)
			}
			if len(tags) != 130 {
				t.Errorf("big has %d tags, want all 130", len(tags))
			}
			for _, ref := range []struct{ repo, tag string }{{"jarvis", "PR3574-test"}, {"team/app/api", "PR42-test"}} {
				m, err := c.Resolve(ctx, ref.repo, ref.tag)
				if err != nil {
					t.Fatal(err)
				}
				if want := digests[ref.repo+":"+ref.tag]; m.Digest != want {
					t.Errorf("%s:%s resolved to %s, want %s", ref.repo, ref.tag, m.Digest, want)
				}
			}
			if _, err := c.Resolve(ctx, "jarvis", "nope"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("resolving a missing tag: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	s := registrytest.StartV3(t)
	registrytest.MustSeed(t, s, registrytest.ManyTags("big", "PR", 122))
	// 122 = 2×61: v3 sends a full second page that still has a Link, then an empty one.
	c, err := oci.New(s.Host(), oci.Options{Scheme: "http", PageSize: 61})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 122 {
		t.Errorf("got %d tags over pages of 61, want 122", len(tags))
	}
}

func TestIndexChildren(t *testing.T) {
	for kind, start := range servers {
		t.Run(kind, func(t *testing.T) {
			s := start(t)
			idx, err := s.SeedIndex(context.Background(), "jarvis", "5.32.0-multiarch", []registrytest.Image{
				{Seed: 1, OCI: true}, {Seed: 2, OCI: true, Platform: "linux/arm64"},
			}, false)
			if err != nil {
				t.Fatal(err)
			}
			m, err := newClient(t, s).Resolve(context.Background(), "jarvis", "5.32.0-multiarch")
			if err != nil {
				t.Fatal(err)
			}
			if m.Digest != idx.Digest || !registry.IsIndex(m.MediaType) || len(m.Children) != 2 {
				t.Errorf("resolved %+v, want index %s with 2 children", m, idx.Digest)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		name  string
		start func(t testing.TB, opts ...registrytest.Option) *registrytest.Server
		opts  []registrytest.Option
		want  registry.Capabilities
	}{
		{"v3 deletes tags", registrytest.StartV3, nil, registry.Capabilities{Untag: true, Digest: true, Retag: true}},
		{"2.8 deletes only manifests", registrytest.StartDistribution28, nil, registry.Capabilities{Digest: true, Retag: true}},
		{"v3 with deletes off", registrytest.StartV3, []registrytest.Option{registrytest.WithDeleteDisabled()}, registry.Capabilities{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start(t, tt.opts...)
			registrytest.MustSeed(t, s, registrytest.ClassicSet())
			got, err := newClient(t, s).Capabilities(context.Background(), "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("capabilities %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Each method that removes one tag leaves the release tag that shares its digest.
func TestDeleteKeepsSharedTag(t *testing.T) {
	cases := []struct {
		kind   string
		method registry.Method
	}{{"v3", registry.MethodUntag}, {"v3", registry.MethodRetag}, {"2.8", registry.MethodRetag}}
	for _, tc := range cases {
		t.Run(tc.kind+"/"+string(tc.method), func(t *testing.T) {
			ctx := context.Background()
			s := servers[tc.kind](t)
			digests := registrytest.MustSeed(t, s, registrytest.ClassicSet())
			c := newClient(t, s)
			m, err := c.Resolve(ctx, "jarvis", "PR3574-test")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3574-test", m, tc.method); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Resolve(ctx, "jarvis", "PR3574-test"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("PR3574-test after delete: %v, want ErrNotFound", err)
			}
			rel, err := c.Resolve(ctx, "jarvis", "5.32.0-develop")
			if err != nil || rel.Digest != digests["jarvis:5.32.0-develop"] {
				t.Errorf("5.32.0-develop after deleting PR3574-test: %+v, %v", rel, err)
			}
			tags, _ := c.Tags(ctx, "jarvis")
			if slices.Contains(tags, "PR3574-test") || !slices.Contains(tags, "5.32.0-develop") {
				t.Errorf("tags after delete: %v", tags)
			}
		})
	}
}

func TestDeleteByDigestAndGone(t *testing.T) {
	for kind, start := range servers {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := start(t)
			registrytest.MustSeed(t, s, registrytest.ClassicSet())
			c := newClient(t, s)
			m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodDigest); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodDigest); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("deleting twice: %v, want ErrNotFound", err)
			}
		})
	}
}
