package sweep_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// validateSource runs validate and returns the check of source gh.
func validateSource(t *testing.T, host string, gh *scmtest.GitHub, rules string) sweep.Check {
	t.Helper()
	cfg := parseConfig(t, fmt.Sprintf(`registry: {url: "http://%s"}
sources: [{name: gh, type: github, url: %q, token: "${GH_TOKEN}"}]
rules:
%s`, host, gh.URL(), rules), map[string]string{"GH_TOKEN": ghToken})
	s, err := sweep.New(cfg, sweep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Validate(context.Background()) {
		if c.Name == "source gh" {
			return c
		}
	}
	t.Fatal("no check of source gh")
	return sweep.Check{}
}

// A templated repo is expanded over the image repositories its rule selects, and
// each code repository it names is read: one the token cannot see fails validate,
// named with the permission it needs.
func TestValidateExpandsTemplatedRepos(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet()) // jarvis, jarvis_base, jarvisautomation
	gh := scmtest.NewGitHub(t, ghToken)
	for _, r := range []string{"contoso/jarvis", "contoso/jarvis_base", "contoso/jarvisautomation", "contoso/tools"} {
		gh.AddRepo(r)
	}
	rules := `  - {repositories: ["jarvis", "jarvis_*"], tags: '^PR(?P<pr>\d+)-', source: gh, repo: 'contoso/{name}'}
  - {tags: '^pr-(?P<pr>\d+)$', source: gh, repo: 'Contoso/{name}'}
  - {tags: '^t(?P<pr>\d+)$', source: gh, repo: contoso/tools}
`
	c := validateSource(t, srv.Host(), gh, rules)
	if c.Err != nil || !strings.Contains(c.Detail, "read the 3 repositories") {
		t.Errorf("every repository visible: %v (%s)", c.Err, c.Detail)
	}
	if n := gh.Requests("GET repo"); n != 4 {
		t.Errorf("%d repository reads, want 4 (3 expanded, once each whatever the case, and contoso/tools)", n)
	}

	gh.HideRepo("contoso/jarvis_base")
	c = validateSource(t, srv.Host(), gh, rules)
	if c.Err == nil || !strings.Contains(c.Err.Error(), "contoso/jarvis_base") || !strings.Contains(c.Err.Error(), "pull requests: read") {
		t.Errorf("contoso/jarvis_base hidden: %v; want it named with the permission", c.Err)
	}
	if c.Err != nil && strings.Contains(c.Err.Error(), "{name}") {
		t.Errorf("the template was read as written: %v", c.Err)
	}
}

// At most 20 code repositories are read for templates, and the check says so.
func TestValidateCapsTemplatedRepos(t *testing.T) {
	srv := registrytest.StartV3(t)
	var images []registrytest.Image
	for i := range 23 {
		images = append(images, registrytest.Image{Repo: fmt.Sprintf("svc%02d", i), Tag: "latest", Seed: int64(100 + i)})
	}
	registrytest.MustSeed(t, srv, images)
	gh := scmtest.NewGitHub(t, ghToken)
	for i := range 23 {
		gh.AddRepo(fmt.Sprintf("contoso/svc%02d", i))
	}
	c := validateSource(t, srv.Host(), gh, `  - {tags: '^PR(?P<pr>\d+)-', source: gh, repo: 'contoso/{name}'}
`)
	if c.Err != nil || !strings.Contains(c.Detail, "first 20 of the 23") {
		t.Errorf("%v (%s)", c.Err, c.Detail)
	}
	if n := gh.Requests("GET repo"); n != 20 {
		t.Errorf("%d repository reads, want 20", n)
	}
}
