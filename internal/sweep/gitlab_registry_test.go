package sweep_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	glProject = "team/app"
	glToken   = "glpat-Qv7x9_KeepOutOfLogs" // fake
)

// glEnv is distribution v3 behind the GitLab fake, holding under project team/app
// the classic set, a Docker manifest list PR3575-test with tagged children, a
// release OCI index 5.32.0-multiarch with untagged children, and cosign signatures
// of jarvis:PR3571-test (a deleted image) and of 5.32.0-develop (the image
// PR3574-test shares with the release).
type glEnv struct {
	backend *registrytest.Server
	gl      *registrytest.GitLab
	caFile  string
	waits   *httpxtest.Sleeps
	deleted []string // "repo:tag" a correct sweep deletes, sorted
	all     []string // every "repo:tag" seeded, sorted
}

func newGLEnv(t *testing.T, opts ...registrytest.GitLabOption) *glEnv {
	t.Helper()
	ctx := context.Background()
	e := &glEnv{backend: registrytest.StartV3(t), waits: &httpxtest.Sleeps{}}
	p := glProject + "/"
	var images []registrytest.Image
	for _, img := range registrytest.ClassicSet() {
		img.Repo = p + img.Repo
		images = append(images, img)
	}
	digests := registrytest.MustSeed(t, e.backend, images)
	list, err := e.backend.SeedIndex(ctx, p+"jarvis", "PR3575-test", []registrytest.Image{{Seed: 3751}, {Seed: 3752, Platform: "linux/arm64"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.backend.SeedIndex(ctx, p+"jarvis", "5.32.0-multiarch",
		[]registrytest.Image{{Seed: 5321, OCI: true}, {Seed: 5322, OCI: true, Platform: "linux/arm64"}}, false); err != nil {
		t.Fatal(err)
	}
	sig := func(subject string, seed int64) string {
		tag := strings.Replace(subject, ":", "-", 1) + ".sig"
		registrytest.MustSeed(t, e.backend, []registrytest.Image{{Repo: p + "jarvis", Tag: tag, Seed: seed, OCI: true}})
		return p + "jarvis:" + tag
	}
	goneSig := sig(digests[p+"jarvis:PR3571-test"], 9001)
	sig(digests[p+"jarvis:5.32.0-develop"], 9005)

	for _, ref := range registrytest.ClassicDeleted() {
		e.deleted = append(e.deleted, p+ref)
	}
	for ref := range list.Tags {
		e.deleted = append(e.deleted, ref)
	}
	e.deleted = append(e.deleted, goneSig)
	slices.Sort(e.deleted)
	e.all = remaining(t, e.backend.Host())

	e.gl = registrytest.StartGitLab(t, e.backend, opts...)
	e.gl.AddProject(glProject)
	e.gl.AddToken(glToken, registrytest.GitLabDeveloper())
	e.caFile = e.gl.WriteCAFile(t, t.TempDir())
	return e
}

func (e *glEnv) sweeper(t *testing.T, extra string) *sweep.Sweeper {
	t.Helper()
	yaml := e.configYAML(extra)
	env := func(k string) (string, bool) { return glToken, k == "GITLAB_TOKEN" }
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), env)
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s, err := sweep.New(cfg, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// configYAML is a type gitlab configuration for the fake, with a static source.
func (e *glEnv) configYAML(extra ...string) string {
	states := classicStates()
	states["3575"] = "merged"
	var b strings.Builder
	for n, s := range states {
		fmt.Fprintf(&b, "      %q: %s\n", n, s)
	}
	return fmt.Sprintf(`registry:
  type: gitlab
  url: https://%s
  api: %s
  project: %s
  token: ${GITLAB_TOKEN}
  caFile: %s
sources:
  - name: prs
    type: static
    states:
%srules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
%s`, e.gl.Host(), e.gl.URL(), glProject, e.caFile, b.String(), strings.Join(extra, ""))
}

// check compares what a sweep reported deleted, and what the registry holds after
// it, with what a correct sweep does.
func (e *glEnv) check(t *testing.T, items []outcomeItem) {
	t.Helper()
	var deleted []string
	for _, it := range items {
		if it.deleted {
			deleted = append(deleted, it.ref)
		}
	}
	slices.Sort(deleted)
	if diff := cmp.Diff(e.deleted, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	var want []string
	for _, ref := range e.all {
		if !slices.Contains(e.deleted, ref) {
			want = append(want, ref)
		}
	}
	if diff := cmp.Diff(want, remaining(t, e.backend.Host())); diff != "" {
		t.Errorf("registry after the sweep (-want +got):\n%s", diff)
	}
}

// The classic set, an index, a manifest list with tagged children and cosign
// signatures, swept through GitLab's API: PR3574-test goes and 5.32.0-develop, on
// the same manifest, stays with its signature; nothing is deleted by digest. The same
// with GitLab in front of a registry without tag delete (GitLab then deletes a tag by
// putting a dummy manifest under it and deleting the dummy).
func TestGitLabRegistrySweep(t *testing.T) {
	t.Run("GitLab registry", func(t *testing.T) { testGitLabRegistrySweep(t) })
	t.Run("third-party registry", func(t *testing.T) {
		testGitLabRegistrySweep(t, registrytest.WithGitLabThirdPartyRegistry())
	})
}

func testGitLabRegistrySweep(t *testing.T, opts ...registrytest.GitLabOption) {
	e := newGLEnv(t, opts...)
	s := e.sweeper(t, "")
	if len(e.deleted) != 8 {
		t.Fatalf("the fixture deletes %v, want 8 tags", e.deleted)
	}
	var wouldDelete []string
	for _, it := range run(t, s, true) {
		if it.deleted {
			wouldDelete = append(wouldDelete, it.ref)
		}
	}
	slices.Sort(wouldDelete)
	if diff := cmp.Diff(e.deleted, wouldDelete); diff != "" {
		t.Errorf("dry run would delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.all, remaining(t, e.backend.Host())); diff != "" {
		t.Fatalf("a dry run changed the registry (-before +after):\n%s", diff)
	}
	e.check(t, run(t, s, false))
	if got := e.gl.Count("DELETE /api/v4/projects/:id/registry/repositories/:rid/tags/:tag"); got != len(e.deleted) {
		t.Errorf("%d tag DELETEs through GitLab's API, want %d", got, len(e.deleted))
	}
	for _, r := range e.gl.Requests() {
		if strings.HasPrefix(r, "DELETE /v2/") || strings.HasPrefix(r, "PUT /v2/") {
			t.Errorf("the registry was changed directly: %s", r)
		}
	}
	for _, again := range run(t, s, false) {
		if again.deleted {
			t.Errorf("a second sweep deleted %s", again.ref)
		}
	}
}

// A sweep against a GitLab that answers every third API request 429 (with and
// without Retry-After) ends as an unthrottled one, having honoured Retry-After.
func TestGitLabRegistryThrottledSweep(t *testing.T) {
	for _, retryAfter := range []string{"2", ""} {
		t.Run("Retry-After "+retryAfter, func(t *testing.T) {
			e := newGLEnv(t, registrytest.WithGitLabKeysetTags())
			e.gl.ThrottleEvery(3, retryAfter)
			e.check(t, run(t, e.sweeper(t, "concurrency: 8\n"), false))
			if e.gl.Throttled() < 5 {
				t.Errorf("only %d requests were throttled", e.gl.Throttled())
			}
			if w := e.waits.Waits(); retryAfter != "" && !slices.Contains(w, 2*time.Second) {
				t.Errorf("waits %v, want Retry-After's 2s among them", w)
			}
		})
	}
}

// validate shows a token that may list but not delete what it lacks.
func TestGitLabRegistryValidate(t *testing.T) {
	e := newGLEnv(t)
	checks := e.sweeper(t, "").Validate(context.Background())
	for _, c := range checks {
		if c.Err != nil {
			t.Errorf("%s: %v", c.Name, c.Err)
		}
	}
	e.gl.AddToken(glToken, registrytest.GitLabToken{Scopes: []string{"read_api", "read_registry"}, AccessLevel: 30})
	var failed bool
	for _, c := range e.sweeper(t, "").Validate(context.Background()) {
		if c.Name == "registry permissions" && c.Err != nil && strings.Contains(c.Err.Error(), "needs api") {
			failed = true
		}
	}
	if !failed {
		t.Error("a read_api token passed the permission check")
	}
}

// --debug dumps every exchange with GitLab and the registry, and never the token
// (PRIVATE-TOKEN, the basic credentials sent to /jwt/auth) or a registry token.
func TestGitLabRegistryDebugDumpHidesTokens(t *testing.T) {
	e := newGLEnv(t)
	var dump httpxtest.Buffer
	yaml := e.configYAML()
	c, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { return glToken, k == "GITLAB_TOKEN" })
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.New(c, sweep.Options{Debug: &dump, RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, s, true)
	out := dump.String()
	if !strings.Contains(out, "/api/v4/projects/") || !strings.Contains(out, "/jwt/auth") {
		t.Fatalf("the dump lacks GitLab's requests:\n%.2000s", out)
	}
	if strings.Contains(out, glToken) || strings.Contains(out, "eyJ") {
		t.Errorf("the dump shows a token:\n%s", out)
	}
}
