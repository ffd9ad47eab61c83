package policy_test

import (
	"regexp"
	"testing"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

func TestRepoTemplateExpandsPerImageRepository(t *testing.T) {
	p := policy.Policy{Rules: []policy.Rule{
		{Repositories: []string{"team/*"}, Tags: regexp.MustCompile(`^pr-(?P<pr>\d+)$`), Source: "gh", Repo: "contoso/{name}"},
		{Repositories: []string{"mono"}, Tags: regexp.MustCompile(`^pr-(?P<pr>\d+)$`), Source: "gh", Repo: "contoso/monorepo"},
		{Tags: regexp.MustCompile(`^pr-(?P<pr>\d+)$`), Source: "gl", Repo: "{repository}"},
	}}
	for _, tc := range []struct{ repo, want string }{
		{"team/api", "contoso/api"},
		{"team/web", "contoso/web"},
		{"mono", "contoso/monorepo"},
		{"group/sub/app", "group/sub/app"},
		{"app", "app"},
	} {
		m := p.Match(tc.repo, "pr-7")
		if m.Ref.Repo != tc.want || m.Ref.Number != "7" {
			t.Errorf("%s: ref %+v, want repo %s", tc.repo, m.Ref, tc.want)
		}
	}
	// Each image repository asks its own code repository: one pull-request number
	// in two repositories is two refs.
	if a, b := p.Match("team/api", "pr-7").Ref, p.Match("team/web", "pr-7").Ref; a == b {
		t.Errorf("team/api and team/web share ref %+v", a)
	}
	if got := policy.ExpandRepo("{name}-{name}/{repository}", "a/b"); got != "b-b/a/b" {
		t.Errorf("ExpandRepo = %q", got)
	}
	if got := (policy.Policy{Rules: []policy.Rule{{Tags: regexp.MustCompile(`(?P<pr>\d+)`), Source: "ado"}}}).Match("x", "1").Ref; got != (scm.Ref{Source: "ado", Number: "1"}) {
		t.Errorf("a rule without repo: %+v", got)
	}
}
