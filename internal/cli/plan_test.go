package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A plan applied after a PR was reopened, or after a tag was pushed again, keeps
// those tags and deletes the rest.
func TestPlanThenApplyRechecks(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	ado.SetPR(3571, "completed", time.Time{})
	ado.SetPR(3574, "abandoned", time.Time{})
	for _, id := range []int{3561, 3565, 3589} {
		ado.SetPR(id, "active", time.Time{})
	}
	cfg := writeConfig(t, adoConfig(srv.Host(), ado.URL(), "[merged, closed]"))
	vars := map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	before := remaining(t, srv.Host())

	r := invoke(t, vars, sweep.Options{}, "plan", "--config", cfg, "--out", planFile)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Would Delete Images:\n  jarvis:PR3571-test\n") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if after := remaining(t, srv.Host()); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("plan changed the registry")
	}
	data, _ := os.ReadFile(planFile)
	if !strings.Contains(string(data), `"schema":"prsweep.plan/v1"`) || strings.Count(string(data), "\n  {") != 18 {
		t.Errorf("plan file:\n%s", data)
	}

	// Since the plan: PR 3571 was reopened, and PR3574-test was pushed again.
	ado.SetPR(3571, "active", time.Time{})
	registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "PR3574-test", Seed: 777}})

	r = invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", cfg, "--output", "json")
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	items, sum := jsonReport(t, r)
	if sum.Deleted != 1 || !items["jarvis:PR3574-test-arm"].Done {
		t.Errorf("want only PR3574-test-arm deleted; summary %+v", sum)
	}
	for tag, why := range map[string]string{"jarvis:PR3571-test": "now PR 3571 is open", "jarvis:PR3574-test": "pushed again"} {
		if it := items[tag]; it.Action != policy.Keep || it.Done || !strings.Contains(it.Reason, why) {
			t.Errorf("%s: %+v, want kept because %q", tag, it, why)
		}
	}
	left := strings.Join(remaining(t, srv.Host()), ",")
	for _, tag := range []string{"jarvis:PR3571-test", "jarvis:PR3571-test-arm", "jarvis:PR3574-test"} {
		if !strings.Contains(left+",", tag+",") {
			t.Errorf("%s was deleted", tag)
		}
	}
}

func TestApplyRefusesWhatItCannotTrust(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	cfg := writeConfig(t, classicStaticConfig(srv.Host(), ""))
	vars := map[string]string{"REGISTRY_USER": "", "REGISTRY_PASSWORD": ""}
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if r := invoke(t, vars, sweep.Options{}, "plan", "--config", cfg, "--out", planFile); r.code != ExitOK {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	later := func() time.Time { return time.Now().Add(25 * time.Hour) }
	tests := []struct {
		name string
		opts sweep.Options
		args []string
		edit func(string) string
		want string
	}{
		{"too old", sweep.Options{Now: later}, nil, nil, "more than --max-age 24h0m0s"},
		{"another schema", sweep.Options{}, nil, func(s string) string { return strings.Replace(s, "prsweep.plan/v1", "prsweep.plan/v9", 1) }, "schema"},
		{"an unknown field", sweep.Options{}, nil, func(s string) string { return strings.Replace(s, `"tag":`, `"tagz":"x","tag":`, 1) }, "unknown field"},
		{"another registry", sweep.Options{}, nil, func(s string) string { return strings.Replace(s, srv.Host(), "other.example.com", 1) }, "other.example.com"},
		// Apply reads a repository at a time, but the whole file before deleting
		// anything: a bad item in the last repository keeps the first one's deletions.
		{"a bad item in the last repository", sweep.Options{}, nil, func(s string) string {
			i := strings.LastIndex(s, `"repository":"jarvisautomation","tag":`)
			return s[:i] + `"repository":"jarvisautomation","tagz":"x","tag":` + s[i+len(`"repository":"jarvisautomation","tag":`):]
		}, `unknown field "tagz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := planFile
			if tt.edit != nil {
				data, _ := os.ReadFile(planFile)
				path = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
				if err := os.WriteFile(path, []byte(tt.edit(string(data))), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := invoke(t, vars, tt.opts, append([]string{"apply", path, "--config", cfg}, tt.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
	if got := len(remaining(t, srv.Host())); got != 18 {
		t.Errorf("%d tags left, want all 18", got)
	}
	r := invoke(t, vars, sweep.Options{Now: later}, "apply", planFile, "--config", cfg, "--max-age", "48h")
	if r.code != ExitOK || len(remaining(t, srv.Host())) != 14 {
		t.Errorf("apply with --max-age 48h: exit %d\n%s", r.code, r.stderr)
	}
}

// remaining lists every repo:tag in the registry.
func remaining(t *testing.T, host string) []string {
	t.Helper()
	var out []string
	c := registryClient(t, host)
	repos, err := c.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, repo := range repos {
		tags, err := c.Tags(t.Context(), repo)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			out = append(out, repo+":"+tag)
		}
	}
	return out
}
