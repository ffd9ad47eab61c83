package cli

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A bad configuration exits 2 with a message naming the key, before any request.
func TestBadConfigurationExits2BeforeAnyRequest(t *testing.T) {
	var requests atomic.Int32
	watch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		t.Errorf("request sent despite a bad configuration: %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer watch.Close()
	host := strings.TrimPrefix(watch.URL, "http://")
	good := func(mutate func(string) string) string {
		return mutate(fmt.Sprintf(`registry:
  url: http://%s
  password: ${REGISTRY_PASSWORD}
  username: sweeper
sources:
  - name: ado
    type: azuredevops
    url: %s/contoso
    project: Jarvis
    token: ${SYSTEM_ACCESSTOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: ado
`, host, watch.URL))
	}
	tests := []struct {
		name  string
		yaml  string
		vars  map[string]string
		inErr []string
	}{
		{"unknown key", good(func(s string) string { return strings.Replace(s, "    source: ado", "    source: ado\n    tagz: x", 1) }),
			nil, []string{"tagz", "rules"}},
		{"invalid regex", good(func(s string) string { return strings.Replace(s, `'^PR(?P<pr>\d+)-'`, `'^PR(?P<pr>\d+-'`, 1) }),
			nil, []string{"rules[0].tags"}},
		{"regex without a pr group", good(func(s string) string { return strings.Replace(s, `(?P<pr>\d+)`, `(\d+)`, 1) }),
			nil, []string{"rules[0].tags", "pr"}},
		{"unset variable", good(func(s string) string { return s }),
			map[string]string{"REGISTRY_PASSWORD": "x"}, []string{"sources[0].token", "SYSTEM_ACCESSTOKEN"}},
		{"http to a remote host", good(func(s string) string { return strings.Replace(s, "http://"+host, "http://registry.example.com", 1) }),
			nil, []string{"registry.url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := tt.vars
			if vars == nil {
				vars = map[string]string{"REGISTRY_PASSWORD": "x", "SYSTEM_ACCESSTOKEN": "y"}
			}
			for _, cmd := range []string{"run", "validate"} {
				r := invoke(t, vars, sweep.Options{}, cmd, "--config", writeConfig(t, tt.yaml))
				if r.code != ExitUsage {
					t.Errorf("%s: exit %d, want 2\nstderr: %s", cmd, r.code, r.stderr)
				}
				for _, want := range tt.inErr {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("%s: error does not name %q:\n%s", cmd, want, r.stderr)
					}
				}
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"run", "--nope"}, {"run", "--config", "x.yaml", "--output", "xml"}, {"frobnicate"}} {
		if r := invoke(t, nil, sweep.Options{}, args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	r := invoke(t, nil, sweep.Options{}, "run", "--config", "/nonexistent/prsweep.yaml")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "/nonexistent/prsweep.yaml") {
		t.Errorf("missing file: exit %d, %s", r.code, r.stderr)
	}
}

func classicStaticConfig(host, extra string) string {
	return fmt.Sprintf(`registry:
  url: http://%s
  username: ${REGISTRY_USER}
  password: ${REGISTRY_PASSWORD}
sources:
  - name: prs
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open, "3589": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
%s`, host, extra)
}

func TestRegistryRefusingCredentialsExits2(t *testing.T) {
	srv := registrytest.StartV3(t, registrytest.WithBasicAuth("sweeper", "right-password"))
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	vars := map[string]string{"REGISTRY_USER": "sweeper", "REGISTRY_PASSWORD": "wrong-password-4711"}
	r := invoke(t, vars, sweep.Options{}, "run", "--config", writeConfig(t, classicStaticConfig(srv.Host(), "")), "--log-level", "debug")
	if r.code != ExitUsage {
		t.Errorf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-password-4711") {
		t.Errorf("the password appears in the output:\n%s%s", r.stdout, r.stderr)
	}
	vars["REGISTRY_PASSWORD"] = "right-password"
	if r := invoke(t, vars, sweep.Options{}, "run", "--config", writeConfig(t, classicStaticConfig(srv.Host(), "")), "--dry-run"); r.code != ExitOK {
		t.Errorf("with the right password: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSafetyLimitExits3AndDeletesNothing(t *testing.T) {
	srv := registrytest.StartV3(t, registrytest.WithBasicAuth("u", "p"))
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	vars := map[string]string{"REGISTRY_USER": "u", "REGISTRY_PASSWORD": "p"}
	cfg := writeConfig(t, classicStaticConfig(srv.Host(), "safety:\n  maxDeletions: 3\n"))
	r := invoke(t, vars, sweep.Options{}, "run", "--config", cfg, "--output", "json")
	if r.code != ExitSafety {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "safety.maxDeletions is 3 and the plan deletes 4 tags (1 over)") {
		t.Errorf("stderr does not say which limit:\n%s", r.stderr)
	}
	items, sum := jsonReport(t, r)
	if sum.Deleted != 0 || items["jarvis:PR3571-test"].Done {
		t.Errorf("something was deleted: %+v", sum)
	}
	// A dry run through PRSWEEP_DRY_RUN deletes nothing either, and within the limit exits 0.
	vars["PRSWEEP_DRY_RUN"] = "true"
	cfg = writeConfig(t, classicStaticConfig(srv.Host(), "safety:\n  maxDeletions: 4\n"))
	r = invoke(t, vars, sweep.Options{}, "run", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Would Delete Images:\n  jarvis:PR3571-test\n") {
		t.Errorf("dry run: exit %d\n%s", r.code, r.stdout)
	}
	r = invoke(t, map[string]string{"REGISTRY_USER": "u", "REGISTRY_PASSWORD": "p"}, sweep.Options{}, "run", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Deleted Images:\n  jarvis:PR3571-test\n") {
		t.Errorf("real run after the dry run: exit %d\n%s", r.code, r.stdout)
	}
}

func TestVersionAndHelp(t *testing.T) {
	r := invoke(t, nil, sweep.Options{}, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "prsweep ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	for _, cmd := range []string{"run", "plan", "apply", "explain", "validate", "restore", "serve", "demo", "version"} {
		r := invoke(t, nil, sweep.Options{}, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help has no example:\n%s", cmd, r.stdout)
		}
	}
}

func TestDemo(t *testing.T) {
	r := invoke(t, nil, sweep.Options{}, "demo")
	want := "Summary:\nDeleted Images:\n  jarvis:PR3571-test\n  jarvis:PR3571-test-arm\n  jarvis:PR3574-test\n  jarvis:PR3574-test-arm\n\nPreserved Images:\n  jarvis:5.32.0-develop\n"
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "prsweep run --config prsweep.yaml --dry-run") {
		t.Errorf("demo does not say how to go on:\n%s", r.stderr)
	}
}

func TestValidate(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	cfg := writeConfig(t, adoConfig(srv.Host(), ado.URL(), "[merged, closed]"))

	r := invoke(t, map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}, sweep.Options{}, "validate", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "ok      registry delete: the registry deletes a tag alone") ||
		!strings.Contains(r.stdout, "ok      source ado: credentials accepted") {
		t.Errorf("validate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = invoke(t, map[string]string{"SYSTEM_ACCESSTOKEN": "not-the-token"}, sweep.Options{}, "validate", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stdout, "FAILED  source ado") || strings.Contains(r.stdout+r.stderr, "not-the-token") {
		t.Errorf("validate with a refused token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// --debug dumps every exchange with the registry and the source, and no secret.
func TestDebugDumpRedacts(t *testing.T) {
	srv := registrytest.StartV3(t, registrytest.WithBasicAuth("sweeper", "registry-pw-31337"))
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	for _, id := range []int{3571, 3574, 3561, 3565, 3589} {
		ado.SetPR(id, "active", time.Time{})
	}
	cfg := writeConfig(t, strings.Replace(adoConfig(srv.Host(), ado.URL(), "[merged, closed]"),
		"sources:", "  username: sweeper\n  password: ${REGISTRY_PASSWORD}\nsources:", 1))
	vars := map[string]string{"SYSTEM_ACCESSTOKEN": adoToken, "REGISTRY_PASSWORD": "registry-pw-31337"}
	r := invoke(t, vars, sweep.Options{}, "run", "--config", cfg, "--dry-run", "--debug")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"GET ", "/v2/jarvis/tags/list", "/_apis/git/pullrequests/3571", "Authorization: ***"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the dump lacks %q", want)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("sweeper:registry-pw-31337"))
	pat := base64.StdEncoding.EncodeToString([]byte(":" + adoToken))
	for _, secret := range []string{"registry-pw-31337", adoToken, basic, pat} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("a secret is in the output: %.12s…", secret)
		}
	}
}
