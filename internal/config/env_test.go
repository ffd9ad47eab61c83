package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExpansion(t *testing.T) {
	env := map[string]string{"HOST": "r.example.com", "EMPTY": "", "STATE": "merged", "GRACE": "2d", "WAIT": "90m"}
	c := mustParse(t, `
registry: {url: '${HOST}', username: '${EMPTY}u', password: 'p$$w${EMPTY}'}
sources: [{name: s, type: static, states: {"1": '${STATE}'}}]
rules: [{tags: '^PR(?P<pr>\d+)$', source: s, after: '${GRACE}', delete: ['${STATE}']}]
keep: ['^v$$', '^latest$']
timeout: ${WAIT}
`, env)
	if c.Registry.URL != "r.example.com" || c.Registry.Username != "u" || c.Registry.Password.Reveal() != "p$w" {
		t.Errorf("registry = %+v (password %q)", c.Registry, c.Registry.Password.Reveal())
	}
	if c.Sources[0].States["1"] != "merged" || c.Rules[0].Delete[0] != "merged" {
		t.Errorf("states %v, delete %v", c.Sources[0].States, c.Rules[0].Delete)
	}
	if c.Rules[0].After.Std() != 48*time.Hour || c.Timeout.Std() != 90*time.Minute {
		t.Errorf("after %v, timeout %v", c.Rules[0].After, c.Timeout)
	}
	if c.Rules[0].Tags != `^PR(?P<pr>\d+)$` || !cmp.Equal(c.Keep, []string{"^v$", "^latest$"}) {
		t.Errorf("tags %q, keep %q", c.Rules[0].Tags, c.Keep)
	}
}

func TestExpansionNotInKeys(t *testing.T) {
	_, err := Parse([]byte(minimal+"${KEY}: 1\n"), "", mapEnv(map[string]string{"KEY": "untagged"}))
	if err == nil || !strings.Contains(err.Error(), `unknown key "${KEY}"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestExpansionErrorsNamePathAndVariable(t *testing.T) {
	src := `
registry: {url: r.example.com, username: u, password: '${REGISTRY_PASSWORD}'}
sources: [{name: s, type: static, states: {"7": '${STATE}'}}]
rules: [{tags: '^PR(?P<pr>\d+)', source: s, after: '${GRACE}'}]
keep: ['${KEEP']
`
	_, err := Parse([]byte(src), "", mapEnv(map[string]string{"GRACE": secretValue}))
	got := err.Error()
	for _, want := range []string{
		"line 2:45: registry.password: environment variable REGISTRY_PASSWORD is not set",
		"sources[0].states.7: environment variable STATE is not set",
		"rules[0].after: the value of ${GRACE} is not a duration",
		"keep[0]: unterminated ${",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("error lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, secretValue) {
		t.Errorf("error holds a value:\n%s", got)
	}
}

func TestOverlay(t *testing.T) {
	env := map[string]string{
		EnvRegistryURL: "http://r.internal:5000", EnvRegistryUsername: "ci", EnvRegistryPassword: secretValue,
		EnvRegistryInsecure: "true", EnvConcurrency: "3", EnvUntagged: "delete",
		EnvSafetyMaxDeletions: "50", EnvTimeout: "1d",
	}
	c := mustParse(t, minimal+"concurrency: 10\nuntagged: keep\n", env)
	r := c.Registry
	if r.URL != "http://r.internal:5000" || r.Username != "ci" || r.Password.Reveal() != secretValue || !r.Insecure {
		t.Errorf("registry = %+v", r)
	}
	if c.Concurrency != 3 || c.Untagged != "delete" || c.Safety.MaxDeletions != 50 || c.Timeout.Std() != 24*time.Hour {
		t.Errorf("config = %+v", c)
	}
	if len(OverlayVars()) != 8 {
		t.Errorf("OverlayVars = %v", OverlayVars())
	}
}

func TestOverlayWinsOverUnsetVariable(t *testing.T) {
	src := strings.Replace(minimal, "{url: r.example.com}", "{url: '${REGISTRY_URL}', username: u, password: '${REGISTRY_PASSWORD}'}", 1)
	c := mustParse(t, src, map[string]string{EnvRegistryURL: "r.example.com", EnvRegistryPassword: secretValue})
	if c.Registry.URL != "r.example.com" || c.Registry.Password.Reveal() != secretValue {
		t.Fatalf("registry = %+v", c.Registry)
	}
}

func TestOverlayEmptyIsIgnored(t *testing.T) {
	c := mustParse(t, minimal+"concurrency: 10\n", map[string]string{EnvConcurrency: "", EnvRegistryURL: ""})
	if c.Concurrency != 10 || c.Registry.URL != "r.example.com" {
		t.Fatalf("config = %+v", c)
	}
}

func TestOverlayMalformedNamesVariable(t *testing.T) {
	env := map[string]string{
		EnvRegistryInsecure: "sure" + secretValue, EnvConcurrency: "0", EnvSafetyMaxDeletions: "many",
		EnvTimeout: "soon",
	}
	_, err := Parse([]byte(minimal), "", mapEnv(env))
	errs := configErrors(t, err)
	if len(errs) != 4 {
		t.Fatalf("want 4 errors, got:\n%v", err)
	}
	for _, name := range []string{EnvRegistryInsecure, EnvConcurrency, EnvSafetyMaxDeletions, EnvTimeout} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("no %s in:\n%v", name, err)
		}
	}
	if strings.Contains(err.Error(), secretValue) {
		t.Errorf("value in error:\n%v", err)
	}
}

func TestOverlayValueFailsValidationWithoutEcho(t *testing.T) {
	_, err := Parse([]byte(minimal), "", mapEnv(map[string]string{EnvUntagged: secretValue, EnvRegistryURL: "http://" + secretValue}))
	got := err.Error() + "\n"
	for _, want := range []string{
		"untagged: the value of PRSWEEP_UNTAGGED is not keep or delete\n",
		"registry.url: http:// to a host that is not loopback needs insecure: true (from PRSWEEP_REGISTRY_URL)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, secretValue) {
		t.Errorf("value in error:\n%s", got)
	}
}

func TestErrorTextNeverHoldsEnvValues(t *testing.T) {
	// Every key that takes a string, set from one variable whose value is wrong for it.
	env := map[string]string{"V": secretValue + "(", "P": "/" + secretValue, "D": "-1h"}
	src := `
registry: {type: '${V}', url: '${V}', username: '${V}', repositories: ['${V}[', '${V}'], caFile: '${P}', authorityHost: '${V}',
  tenantId: '${V}', clientSecretFile: '${P}'}
sources:
  - {name: '${V}', type: '${V}', url: '${V}', tokenFile: '${P}', tokenType: '${V}'}
  - {name: s, type: static, file: '${P}', states: {"1": '${V}'}}
  - {name: t, type: azuredevops, url: '${V}', project: '${V}', tokenFile: '${P}', tokenType: '${V}'}
rules: [{tags: '${V}', source: '${V}', repo: '${V}', delete: ['${V}'], after: '${D}', repositories: ['${V}[']}]
keep: ['${V}']
untagged: '${V}'
timeout: '${D}'
`
	_, err := Parse([]byte(src), t.TempDir(), mapEnv(env))
	configErrors(t, err)
	if strings.Contains(err.Error(), secretValue) {
		t.Fatalf("an error holds an env value:\n%s", err)
	}
	t.Logf("errors:\n%s", err)
}
