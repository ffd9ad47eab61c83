package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prsweep/prsweep/internal/scm"
)

// validEnv is what testdata/valid.yaml needs.
func validEnv() map[string]string {
	return map[string]string{
		"REGISTRY_USER":      "bob",
		"REGISTRY_PASSWORD":  secretValue,
		"SYSTEM_ACCESSTOKEN": "ado-" + secretValue,
	}
}

func ignoreUnexported() cmp.Option {
	return cmpopts.IgnoreUnexported(Config{}, Registry{}, Source{}, Rule{})
}

func TestLoadSpecExample(t *testing.T) {
	c, err := Load("testdata/valid.yaml", mapEnv(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Registry: Registry{
			Type: "oci", URL: "myregistry.azurecr.io", Repositories: []string{"*"},
			Username: "bob", Password: NewSecret(secretValue),
		},
		Sources: []Source{{
			Name: "ado", Type: "azuredevops", URL: "https://dev.azure.com/contoso", Project: "Jarvis",
			Token: NewSecret("ado-" + secretValue), TokenType: "auto",
		}},
		Rules: []Rule{{
			Repositories: []string{"*"}, Tags: `^PR(?P<pr>\d+)`, Source: "ado",
			Delete: []string{"merged", "closed"},
		}},
		Keep: []string{"^latest$"}, Untagged: "keep", Referrers: "delete", Concurrency: 8,
		HTTP: HTTP{Attempts: 5, MaxRetryAfter: Duration(2 * time.Minute)},
	}
	if diff := cmp.Diff(want, c, ignoreUnexported()); diff != "" {
		t.Fatalf("config (-want +got):\n%s", diff)
	}
	if got := c.Rules[0].TagPattern(); got == nil || got.SubexpIndex("pr") < 0 {
		t.Fatalf("TagPattern = %v", got)
	}
	if got := c.Rules[0].DeleteStates(); !cmp.Equal(got, []scm.State{scm.Merged, scm.Closed}) {
		t.Fatalf("DeleteStates = %v", got)
	}
	if kp := c.KeepPatterns(); len(kp) != 1 || !kp[0].MatchString("latest") || kp[0].MatchString("latest-1") {
		t.Fatalf("KeepPatterns = %v", kp)
	}
	if c.Registry.Scheme() != "https" || c.Registry.Host() != "myregistry.azurecr.io" {
		t.Fatalf("Scheme, Host = %q, %q", c.Registry.Scheme(), c.Registry.Host())
	}
	if s, ok := c.Source("ado"); !ok || s.Project != "Jarvis" {
		t.Fatalf("Source(ado) = %+v, %v", s, ok)
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, `
registry: {url: r.example.com}
sources: [{name: s, type: static, states: {"1": merged}}]
rules: [{tags: '^PR(?P<pr>\d+)', source: s}]
`, nil)
	want := &Config{
		Registry: Registry{Type: "oci", URL: "r.example.com", Repositories: []string{"*"}},
		Sources:  []Source{{Name: "s", Type: "static", States: map[string]string{"1": "merged"}}},
		Rules: []Rule{{
			Repositories: []string{"*"}, Tags: `^PR(?P<pr>\d+)`, Source: "s",
			Delete: []string{"merged", "closed"},
		}},
		Keep: []string{"^latest$"}, Untagged: "keep", Referrers: "delete", Concurrency: DefaultConcurrency,
		HTTP: HTTP{Attempts: 5, MaxRetryAfter: Duration(2 * time.Minute)},
	}
	if diff := cmp.Diff(want, c, ignoreUnexported()); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
}

func TestKeepDefaultOnlyWhenAbsent(t *testing.T) {
	for _, tt := range []struct {
		keep string
		want []string
	}{
		{"", []string{"^latest$"}},
		{"keep: []", []string{}},
		{"keep: ['^v\\d+']", []string{`^v\d+`}},
	} {
		c := mustParse(t, minimal+tt.keep, nil)
		if !cmp.Equal(c.Keep, tt.want) || len(c.KeepPatterns()) != len(tt.want) {
			t.Errorf("%q: keep = %#v, want %#v", tt.keep, c.Keep, tt.want)
		}
	}
}

const minimal = `
registry: {url: r.example.com}
sources: [{name: s, type: static, states: {"1": merged}}]
rules: [{tags: '^PR(?P<pr>\d+)', source: s}]
`

func mustParse(t *testing.T, src string, env map[string]string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), "", mapEnv(env))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// configErrors returns the *Errors in err, failing unless every error is one.
func configErrors(t *testing.T, err error) []*Error {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("%v is not ErrInvalid", err)
	}
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		j, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("%T is neither *Error nor joined: %v", err, err)
		}
		for _, e := range j.Unwrap() {
			walk(e)
		}
	}
	walk(err)
	return out
}

func TestUnknownKeyNamesKeyAndLine(t *testing.T) {
	src := "registry:\n  url: r.example.com\nsources: [{name: s, type: static, states: {\"1\": merged}}]\nrules:\n  - source: s\n    tags: '^PR(?P<pr>\\d+)'\n    tagz: x\n"
	_, err := Parse([]byte(src), "", nil)
	errs := configErrors(t, err)
	if len(errs) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	e := errs[0]
	if e.Line != 7 || e.Column != 5 || e.Path != "rules[0]" || !strings.Contains(e.Msg, `unknown key "tagz"`) {
		t.Fatalf("error = %#v", e)
	}
	if got := err.Error(); got != `line 7:5: rules[0]: unknown key "tagz" (did you mean "tags"?)` {
		t.Fatalf("text = %q", got)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "prsweep.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(file, nil)
	if want := file + `:7:5: rules[0]: unknown key "tagz"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Load error = %v; want prefix %q", err, want)
	}
}

func TestYAMLErrorsHavePathAndLine(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"registry: {url: r, nope: 1}", `line 1:20: registry: unknown key "nope"`},
		{"bogus: 1", `line 1:1: unknown key "bogus"`},
		{"concurrency: lots", `line 1:14: concurrency: want a whole number`},
		{"registry:\n  password: [a]", `line 2:13: registry.password: want a string`},
		{"registry: oci", `line 1:11: registry: want a mapping, not a string`},
		{"rules:\n  - after: 3 weeks", `line 2:12: rules[0].after: invalid duration "3 weeks"`},
		{"keep: [a\n", `line 1:7: sequence end token ']' not found`},
		{"x: 1\n---\ny: 2\n", `want one YAML document, found 2`},
		{"untagged: a\nuntagged: b\n", `line 2:1: mapping key "untagged" already defined`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.src), "", nil)
		configErrors(t, err)
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: error %q; want prefix %q", tt.src, err, tt.want)
		}
	}
}

func TestSecretsNeverInYAMLErrors(t *testing.T) {
	// The secret is written in the file next to the mistake: errors quote no source.
	src := "registry:\n  url: r\n  password: " + secretValue + "\n  nope: 1\n"
	_, err := Parse([]byte(src), "", nil)
	if err == nil || strings.Contains(err.Error(), secretValue) {
		t.Fatalf("error = %v", err)
	}
}

func TestEmptyFileReportsWhatIsMissing(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n"} {
		_, err := Parse([]byte(src), "", nil)
		errs := configErrors(t, err)
		paths := map[string]bool{}
		for _, e := range errs {
			paths[e.Path] = true
		}
		if !paths["registry.url"] || !paths["rules"] {
			t.Errorf("%q: errors = %v", src, err)
		}
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	c := mustParse(t, `
registry: {url: r.example.com, username: &u bob, password: *u}
sources: [{name: s, type: static, states: {"1": merged}}]
rules:
  - &base {tags: '^PR(?P<pr>\d+)', source: s, after: &grace 2d}
  - {tags: '^pr-(?P<pr>\d+)', source: s, after: *grace}
`, nil)
	if c.Registry.Password.Reveal() != "bob" || c.Rules[1].After.Std() != 48*time.Hour {
		t.Fatalf("config = %+v", c)
	}
}

// Did-you-mean also works below a pointer (serve.webhooks.azuredevops).
func TestUnknownKeyHintBelowAPointer(t *testing.T) {
	src := "registry:\n  url: r.example.com\nsources: [{name: s, type: static, states: {\"1\": merged}}]\nrules:\n  - source: s\n    tags: '^PR(?P<pr>\\d+)'\nserve:\n  webhooks:\n    azuredevops:\n      usernam: u\n"
	_, err := Parse([]byte(src), "", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown key "usernam" (did you mean "username"?)`) {
		t.Fatalf("error = %v", err)
	}
}
