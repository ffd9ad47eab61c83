package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// editLine rewrites the one line of a plan file holding the item of repo:tag.
func editLine(t *testing.T, planText, repo, tag string, edit func(string) string) string {
	t.Helper()
	lines := strings.Split(planText, "\n")
	key := `"repository":"` + repo + `","tag":"` + tag + `",`
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, key) })
	if i < 0 {
		t.Fatalf("no item for %s:%s in the plan:\n%s", repo, tag, planText)
	}
	edited := edit(lines[i])
	if edited == lines[i] {
		t.Fatalf("the edit changed nothing in %s", lines[i])
	}
	lines[i] = edited
	return strings.Join(lines, "\n")
}

// A plan file never says a deletion is done (plan deletes nothing), nor names a
// kind of item apply does not know: a hand-edited plan that does is refused whole.
// Before, a "done" delete was reported deleted while the tag stayed (and let what
// is linked to it go), and an item of another kind skipped the re-decision — no
// pull request read again, no keep pattern, no safety limit — and was deleted.
func TestApplyRefusesHandEditedItems(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, s, develop string) string
	}{
		{"a done deletion", func(t *testing.T, s, _ string) string {
			return editLine(t, s, "jarvis", "PR3571-test", func(l string) string {
				return strings.Replace(l, `"done":false`, `"done":true`, 1)
			})
		}},
		{"an item of another kind", func(t *testing.T, s, develop string) string {
			return editLine(t, s, "jarvis", "5.32.0-develop", func(l string) string {
				l = strings.Replace(l, `"digest":""`, `"digest":"`+develop+`"`, 1)
				return strings.Replace(l, `"action":"keep"`, `"action":"delete","method":"untag","kind":"tag"`, 1)
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			cfg := writeConfig(t, classicStaticConfig(srv.Host(), "keep: ['^5\\.32\\.0-develop$']\n"))
			vars := map[string]string{"REGISTRY_USER": "", "REGISTRY_PASSWORD": ""}
			planFile := filepath.Join(t.TempDir(), "plan.json")
			if r := invoke(t, vars, sweep.Options{}, "plan", "--config", cfg, "--out", planFile); r.code != ExitOK {
				t.Fatalf("plan: %d %s", r.code, r.stderr)
			}
			data, err := os.ReadFile(planFile)
			if err != nil {
				t.Fatal(err)
			}
			m, err := registryClient(t, srv.Host()).Resolve(t.Context(), "jarvis", "5.32.0-develop")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(planFile, []byte(tt.edit(t, string(data), m.Digest)), 0o600); err != nil {
				t.Fatal(err)
			}
			r := invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", cfg, "--output", "json")
			if r.code != ExitUsage || !strings.Contains(r.stderr, "unusable plan file") {
				t.Errorf("exit %d, want 2 refusing the plan:\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			left := remaining(t, srv.Host())
			if len(left) != 18 {
				t.Errorf("%d tags left, want all 18: %v", len(left), left)
			}
		})
	}
}

// A saved plan applied under a safety limit the configuration sets since keeps
// every deletion, each naming the limit, deletes nothing and exits 3; so does a
// per-repository limit, and plan --out - (the plan keeps everything, naming it).
func TestApplyUnderALimitKeepsEverything(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	vars := map[string]string{"REGISTRY_USER": "", "REGISTRY_PASSWORD": ""}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := invoke(t, vars, sweep.Options{}, "plan", "--config", writeConfig(t, classicStaticConfig(srv.Host(), "")), "--out", planFile); r.code != ExitOK {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	for _, limit := range []string{"safety:\n  maxDeletions: 3\n", "safety:\n  perRepository:\n    maxDeletions: 3\n"} {
		cfg := writeConfig(t, classicStaticConfig(srv.Host(), limit))
		r := invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", cfg, "--output", "json")
		if r.code != ExitSafety || !strings.Contains(r.stderr, "maxDeletions is 3 and the plan deletes 4 tags") {
			t.Errorf("%s: exit %d, want 3 naming the limit\n%s", limit, r.code, r.stderr)
		}
		items, sum := jsonReport(t, r)
		if sum.Deleted != 0 || len(items) != 18 {
			t.Errorf("%s: summary %+v, %d items", limit, sum, len(items))
		}
		for _, tag := range registrytest.ClassicDeleted() {
			if it := items[tag]; it.Action != "keep" || it.Done || !strings.Contains(it.Reason, "kept: safety.") {
				t.Errorf("%s: %s: %+v, want kept naming the limit", limit, tag, it)
			}
		}
		if got := len(remaining(t, srv.Host())); got != 18 {
			t.Fatalf("%s: %d tags left, want all 18", limit, got)
		}
		r = invoke(t, vars, sweep.Options{}, "plan", "--config", cfg, "--out", "-")
		if r.code != ExitSafety || strings.Count(r.stdout, `"action":"delete"`) != 0 || strings.Count(r.stdout, "kept: safety.") != 4 {
			t.Errorf("%s: plan --out -: exit %d\n%s", limit, r.code, r.stdout)
		}
	}
}
