package cli

import (
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// With missing in a rule's delete, validate checks that the Azure DevOps identity reads
// every repository of the project, and names the one it cannot read (exit 2).
func TestValidateMissing(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	vars := map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}
	for _, tt := range []struct {
		name, delete string
		deny         bool
		exit         int
		want         []string
		repoRequests int // validate's check, and the source's own before it trusts the probe's "no such pull request"
	}{
		{"unreadable repository", "[merged, closed, missing]", true, ExitUsage, []string{
			"warning sources[0] (ado): rule 1 deletes missing",
			`FAILED  source ado (missing): the identity cannot read repository "secret-sauce" (404 TF401019`,
			`rule 1 deletes missing, but Azure DevOps answers "no such pull request" also for one in a repository the identity cannot read`,
		}, 8},
		{"every repository readable", "[merged, closed, missing]", false, ExitOK, []string{
			"warning sources[0] (ado): rule 1 deletes missing",
			"ok      source ado (missing): rule 1 deletes missing; the identity reads all 3 repositories it lists",
		}, 8},
		{"missing not deleted", "[merged, closed]", true, ExitOK, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
			ado.AddRepository("web")
			ado.AddRepository("secret-sauce")
			if tt.deny {
				ado.DenyRead("secret-sauce")
			}
			cfg := writeConfig(t, adoConfig(srv.Host(), ado.URL(), tt.delete))
			r := invoke(t, vars, sweep.Options{}, "validate", "--config", cfg)
			if r.code != tt.exit {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.exit, r.stdout, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("output lacks %q:\n%s", want, r.stdout)
				}
			}
			if tt.want == nil && strings.Contains(r.stdout, "deletes missing") {
				t.Errorf("output speaks of missing:\n%s", r.stdout)
			}
			if n := ado.RepositoryRequests(); n != tt.repoRequests {
				t.Errorf("%d repository requests, want %d", n, tt.repoRequests)
			}
			if strings.Contains(r.stdout+r.stderr, adoToken) {
				t.Error("the token appears in the output")
			}
		})
	}
}

// A sweep whose rule deletes missing says at its start what that trusts.
func TestRunWarnsOfMissing(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	cfg := writeConfig(t, adoConfig(srv.Host(), ado.URL(), "[merged, closed, missing]"))
	r := invoke(t, map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}, sweep.Options{}, "run", "--dry-run", "--config", cfg)
	if !strings.Contains(r.stderr, "rule 1 deletes missing") || strings.Count(r.stderr, "deletes missing") != 1 {
		t.Errorf("want the warning once on stderr:\n%s", r.stderr)
	}
}
