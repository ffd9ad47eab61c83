package gitlab_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/gitlab"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

func TestRepositoriesAndTags(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []registrytest.GitLabOption
	}{
		{"offset pages", nil},
		{"keyset pages", []registrytest.GitLabOption{registrytest.WithGitLabKeysetTags()}},
		{"X-Next-Page only", []registrytest.GitLabOption{registrytest.WithGitLabNoLinkHeader()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			c := f.client(t, nil, func(o *gitlab.Options) { o.PageSize = 2 })
			ctx := context.Background()
			repos, err := c.Repositories(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(repos)
			want := []string{"team/app/jarvis", "team/app/jarvis_base", "team/app/jarvisautomation"}
			if diff := cmp.Diff(want, repos); diff != "" {
				t.Errorf("repositories (-want +got):\n%s", diff)
			}
			tags, err := c.Tags(ctx, "team/app/jarvis")
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(tags)
			var wantTags []string
			for _, img := range registrytest.ClassicSet() {
				if img.Repo == "jarvis" {
					wantTags = append(wantTags, img.Tag)
				}
			}
			slices.Sort(wantTags)
			if diff := cmp.Diff(wantTags, tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			// 12 tags, 2 a page: 6 pages, and no page asked twice.
			if got := f.gl.Count("GET /api/v4/projects/:id/registry/repositories/:rid/tags"); got != 6 {
				t.Errorf("%d tag pages read, want 6", got)
			}
			if _, err := c.Tags(ctx, "team/app/nope"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("tags of an unknown repository: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestGroupRepositories(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, nil, func(o *gitlab.Options) { o.Project, o.Group = "", "team" })
	repos, err := c.Repositories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 3 {
		t.Errorf("group team lists %v, want the 3 repositories of team/app", repos)
	}
	// A tag is deleted through the project its repository belongs to.
	ctx := context.Background()
	if err := c.Delete(ctx, "team/app/jarvis", "PR3571-test", registry.Manifest{}, registry.MethodUntag); err != nil {
		t.Fatal(err)
	}
	if tags, err := c.Tags(ctx, "team/app/jarvis"); err != nil || slices.Contains(tags, "PR3571-test") || len(tags) != 11 {
		t.Errorf("after the deletion: %v, %v", tags, err)
	}
}

// Resolve reads through the registry with a token from GitLab's /jwt/auth.
func TestResolve(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, nil)
	m, err := c.Resolve(context.Background(), "team/app/jarvis", "PR3574-test")
	if err != nil {
		t.Fatal(err)
	}
	if want := f.digests["team/app/jarvis:5.32.0-develop"]; m.Digest != want {
		t.Errorf("PR3574-test resolves to %s, want %s", m.Digest, want)
	}
	if f.gl.Count("GET /jwt/auth") == 0 {
		t.Error("no registry token was asked of GitLab")
	}
}

// The shared-digest case: deleting PR3574-test leaves 5.32.0-develop, which points at
// the same manifest, and the manifest; with GitLab's registry (tag delete) and with
// another one (GitLab's dummy-manifest delete).
func TestDeleteRemovesOnlyTheTag(t *testing.T) {
	t.Run("GitLab registry", func(t *testing.T) { testDeleteRemovesOnlyTheTag(t) })
	t.Run("third-party registry", func(t *testing.T) {
		testDeleteRemovesOnlyTheTag(t, registrytest.WithGitLabThirdPartyRegistry())
	})
}

func testDeleteRemovesOnlyTheTag(t *testing.T, opts ...registrytest.GitLabOption) {
	f := newFixture(t, opts...)
	c := f.client(t, nil)
	ctx := context.Background()
	caps, err := c.Capabilities(ctx, "team/app/jarvis")
	if err != nil || caps != (registry.Capabilities{Untag: true}) {
		t.Fatalf("capabilities %+v, %v; want untag only", caps, err)
	}
	m := registry.Manifest{Digest: f.digests["team/app/jarvis:PR3574-test"]}
	if err := c.Delete(ctx, "team/app/jarvis", "PR3574-test", m, registry.MethodUntag); err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(ctx, "team/app/jarvis")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(tags, "PR3574-test") || !slices.Contains(tags, "5.32.0-develop") {
		t.Errorf("after deleting PR3574-test: %v", tags)
	}
	if got, err := c.Resolve(ctx, "team/app/jarvis", "5.32.0-develop"); err != nil || got.Digest != m.Digest {
		t.Errorf("5.32.0-develop: %+v, %v", got, err)
	}
	if err := c.Delete(ctx, "team/app/jarvis", "PR3574-test", m, registry.MethodUntag); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
	for _, method := range []registry.Method{registry.MethodDigest, registry.MethodRetag} {
		if err := c.Delete(ctx, "team/app/jarvis", "PR3571-test", m, method); !errors.Is(err, registry.ErrUnsupported) {
			t.Errorf("delete by %s: %v, want ErrUnsupported", method, err)
		}
	}
	for _, r := range f.gl.Requests() {
		if r == "DELETE /v2/{repo}/manifests/{ref}" {
			t.Errorf("a manifest DELETE went to the registry: %s", r)
		}
	}
}

// GitLab in front of a registry that refuses its tag DELETE answers 400: the tag is
// kept, and the error says why.
func TestDeleteRefusedByTheRegistry(t *testing.T) {
	f := newFixture(t, registrytest.WithGitLabTagDeleteRefused())
	c := f.client(t, nil)
	ctx := context.Background()
	err := c.Delete(ctx, "team/app/jarvis", "PR3571-test", registry.Manifest{}, registry.MethodUntag)
	if err == nil || errors.Is(err, registry.ErrNotFound) || !strings.Contains(err.Error(), "could not delete tags") {
		t.Errorf("a refused deletion: %v", err)
	}
	if tags, _ := c.Tags(ctx, "team/app/jarvis"); !slices.Contains(tags, "PR3571-test") {
		t.Error("the tag is gone")
	}
}

func TestCredentialsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := f.client(t, nil, func(o *gitlab.Options) { o.Token = "glpat-wrong" })
	if _, err := bad.Repositories(ctx); !errors.Is(err, registry.ErrUnauthorized) || strings.Contains(err.Error(), "glpat-wrong") {
		t.Errorf("unknown token: %v, want ErrUnauthorized without the token", err)
	}
	f.gl.AddToken("glpat-readonly", registrytest.GitLabToken{Scopes: []string{"read_api", "read_registry"}, AccessLevel: 30})
	ro := f.client(t, nil, func(o *gitlab.Options) { o.Token = "glpat-readonly" })
	if _, err := ro.Tags(ctx, "team/app/jarvis"); err != nil {
		t.Fatalf("read_api lists: %v", err)
	}
	err := ro.Delete(ctx, "team/app/jarvis", "PR3571-test", registry.Manifest{}, registry.MethodUntag)
	if !errors.Is(err, registry.ErrUnauthorized) {
		t.Errorf("deleting with read_api: %v, want ErrUnauthorized", err)
	}
}

// 429s with Retry-After are waited out and retried; the listing is whole.
func TestThrottledListingAndDelete(t *testing.T) {
	f := newFixture(t)
	s := &httpxtest.Sleeps{}
	c := f.client(t, s, func(o *gitlab.Options) { o.PageSize = 3 })
	f.gl.Throttle("7", "", "3")
	ctx := context.Background()
	tags, err := c.Tags(ctx, "team/app/jarvis")
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 12 {
		t.Errorf("%d tags, want 12", len(tags))
	}
	f.gl.Throttle("1")
	if err := c.Delete(ctx, "team/app/jarvis", "PR3571-test", registry.Manifest{}, registry.MethodUntag); err != nil {
		t.Fatal(err)
	}
	if f.gl.Throttled() != 4 || len(s.Waits()) != 4 {
		t.Errorf("%d answers throttled, %d waits; want 4 of each", f.gl.Throttled(), len(s.Waits()))
	}
	if w := s.Waits(); len(w) == 4 && (w[0] != 7*time.Second || w[2] != 3*time.Second || w[3] != time.Second) {
		t.Errorf("waits %v: Retry-After was not honoured", w)
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.client(t, nil).Check(ctx, []string{"team/app/jarvis"}); err != nil {
		t.Errorf("a Developer token with api: %v", err)
	}
	for name, tok := range map[string]registrytest.GitLabToken{
		"read_api only": {Scopes: []string{"read_api", "read_registry"}, AccessLevel: 30},
		"reporter":      {Scopes: []string{"api"}, AccessLevel: 20},
	} {
		f.gl.AddToken("glpat-"+name, tok)
		err := f.client(t, nil, func(o *gitlab.Options) { o.Token = "glpat-" + name }).Check(ctx, []string{"team/app/jarvis"})
		if !errors.Is(err, registry.ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
	}
	// The registry cannot be reached: the check says so.
	noPull := f.client(t, nil, func(o *gitlab.Options) { o.Transport = unreachable{o.Transport, f.gl.Host()} })
	if err := noPull.Check(ctx, []string{"team/app/jarvis"}); err == nil || !strings.Contains(err.Error(), "through the registry") {
		t.Errorf("a registry that cannot be read: %v", err)
	}
	missing := f.client(t, nil, func(o *gitlab.Options) { o.Project = "team/nope" })
	if err := missing.Check(ctx, nil); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("an unknown project: %v, want ErrNotFound", err)
	}
}

// unreachable fails every request to host.
type unreachable struct {
	next http.RoundTripper
	host string
}

func (u unreachable) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == u.host {
		return nil, errors.New("connection refused by the test")
	}
	return u.next.RoundTrip(r)
}
