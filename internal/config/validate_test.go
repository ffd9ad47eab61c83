package config

import (
	"strings"
	"testing"
	"time"
)

const baseYAML = `
registry: {url: r.example.com, username: u, password: p}
sources:
  - {name: ado, type: azuredevops, url: https://dev.azure.com/o, project: p, token: t}
  - {name: offline, type: static, states: {"1": merged}}
rules:
  - {tags: '^PR(?P<pr>\d+)', source: ado}
keep: ['^latest$']
`

func validConfig(t *testing.T) *Config {
	t.Helper()
	return mustParse(t, baseYAML, nil)
}

func TestValidateReportsKeyPath(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		path   string
		msg    string
	}{
		{"url missing", func(c *Config) { c.Registry.URL = "" }, "registry.url", "required"},
		{"ghcr without owner", func(c *Config) { c.Registry.Type = "ghcr" }, "registry.owner", "required"},
		{"gitlab without api", func(c *Config) { c.Registry.Type = "gitlab" }, "registry.api", "required"},
		{"type unknown", func(c *Config) { c.Registry.Type = "quay" }, "registry.type", `"quay" is not one of oci, acr, ghcr, gitlab`},
		{"type empty", func(c *Config) { c.Registry.Type = "" }, "registry.type", "required"},
		{"http remote", func(c *Config) { c.Registry.URL = "http://r.example.com" }, "registry.url", "needs insecure: true"},
		{"http 10/8", func(c *Config) { c.Registry.URL = "http://10.0.0.1:5000/" }, "registry.url", "needs insecure: true"},
		{"url path", func(c *Config) { c.Registry.URL = "r.example.com/team" }, "registry.url", "repository paths go in registry.repositories"},
		{"url scheme", func(c *Config) { c.Registry.URL = "ftp://r.example.com" }, "registry.url", "https:// or http://"},
		{"url port", func(c *Config) { c.Registry.URL = "r.example.com:99999" }, "registry.url", "port"},
		{"url empty port", func(c *Config) { c.Registry.URL = "r.example.com:" }, "registry.url", "empty port"},
		{"url no host", func(c *Config) { c.Registry.URL = "https://" }, "registry.url", "no host"},
		{"url userinfo", func(c *Config) { c.Registry.URL = "u:p@r.example.com" }, "registry.url", "host[:port] only"},
		{"url bad host", func(c *Config) { c.Registry.URL = "r(x).com" }, "registry.url", "not a valid host"},
		{"username alone", func(c *Config) { c.Registry.Password = Secret{} }, "registry.password", "required with registry.username"},
		{"password alone", func(c *Config) { c.Registry.Username = "" }, "registry.username", "required with registry.password"},
		{"registry glob", func(c *Config) { c.Registry.Repositories = []string{"ok/*", "team/["} }, "registry.repositories[1]", `"team/[" is not a valid glob`},
		{"registry glob empty", func(c *Config) { c.Registry.Repositories = []string{""} }, "registry.repositories[0]", "not a valid glob"},
		{"registry globs none", func(c *Config) { c.Registry.Repositories = []string{} }, "registry.repositories", "list at least one glob"},
		{"tenantId on oci", func(c *Config) { c.Registry.TenantID = "t" }, "registry.tenantId", "only used with type acr"},
		{"clientId on oci", func(c *Config) { c.Registry.ClientID = "c" }, "registry.clientId", "only used with type acr"},
		{"clientSecret on oci", func(c *Config) { c.Registry.ClientSecret = NewSecret("s") }, "registry.clientSecret", "only used with type acr"},
		{"clientSecretFile on oci", func(c *Config) { c.Registry.ClientSecretFile = "f" }, "registry.clientSecretFile", "only used with type acr"},
		{"authorityHost on oci", func(c *Config) { c.Registry.AuthorityHost = "https://login.microsoftonline.us" }, "registry.authorityHost", "only used with type acr"},
		{"acr secret twice", func(c *Config) {
			c.Registry.Type, c.Registry.TenantID, c.Registry.ClientID = "acr", "t", "c"
			c.Registry.Username, c.Registry.Password = "", Secret{}
			c.Registry.ClientSecret, c.Registry.ClientSecretFile = NewSecret("s"), "f"
		}, "registry.clientSecretFile", "not both"},
		{"acr secret alone", func(c *Config) {
			c.Registry.Type, c.Registry.ClientSecret, c.Registry.Username, c.Registry.Password = "acr", NewSecret("s"), "", Secret{}
		}, "registry.clientSecret", "needs tenantId and clientId"},
		{"acr authority http", func(c *Config) { c.Registry.Type, c.Registry.AuthorityHost = "acr", "http://login.example" }, "registry.authorityHost", "use https://"},

		{"source name missing", func(c *Config) { c.Sources[1].Name = "" }, "sources[1].name", "required"},
		{"source name twice", func(c *Config) { c.Sources[1].Name = "ado" }, "sources[1].name", `"ado" is already the name of sources[0]`},
		{"source name spaces", func(c *Config) { c.Sources[1].Name = "my source" }, "sources[1].name", "use letters, digits"},
		{"source type missing", func(c *Config) { c.Sources[1].Type = "" }, "sources[1].type", "required"},
		{"github without token", func(c *Config) { c.Sources[1].Type, c.Sources[1].States = "github", nil }, "sources[1].token", "or a GitHub App"},
		{"gitlab without token", func(c *Config) { c.Sources[1].Type, c.Sources[1].States = "gitlab", nil }, "sources[1].token", "read_api"},
		{"source type unknown", func(c *Config) { c.Sources[1].Type = "bitbucket" }, "sources[1].type", `"bitbucket" is not one of`},
		{"ado url missing", func(c *Config) { c.Sources[0].URL = "" }, "sources[0].url", "required"},
		{"ado url http", func(c *Config) { c.Sources[0].URL = "http://dev.azure.com/o" }, "sources[0].url", "use https://"},
		{"ado url creds", func(c *Config) { c.Sources[0].URL = "https://me:pw@dev.azure.com/o" }, "sources[0].url", "credentials do not belong"},
		{"ado url junk", func(c *Config) { c.Sources[0].URL = "dev.azure.com/o" }, "sources[0].url", "want an https:// URL"},
		{"ado project missing", func(c *Config) { c.Sources[0].Project = "" }, "sources[0].project", "required"},
		{"ado token missing", func(c *Config) { c.Sources[0].Token = Secret{} }, "sources[0].token", "required"},
		{"ado token twice", func(c *Config) { c.Sources[0].TokenFile = "f" }, "sources[0].tokenFile", "not both"},
		{"ado tokenType", func(c *Config) { c.Sources[0].TokenType = "oauth" }, "sources[0].tokenType", `"oauth" is not one of auto, pat, bearer`},
		{"ado states", func(c *Config) { c.Sources[0].States = map[string]string{"1": "open"} }, "sources[0].states", "only used with type static"},
		{"ado file", func(c *Config) { c.Sources[0].File = "s.yaml" }, "sources[0].file", "only used with type static"},
		{"static tokenType", func(c *Config) { c.Sources[1].TokenType = "pat" }, "sources[1].tokenType", "only used with type azuredevops"},
		{"static url", func(c *Config) { c.Sources[1].URL = "https://x" }, "sources[1].url", "not used with type static"},
		{"static token", func(c *Config) { c.Sources[1].Token = NewSecret("t") }, "sources[1].token", "not used with type static"},
		{"static empty", func(c *Config) { c.Sources[1].States = nil }, "sources[1].states", "needs states or file"},
		{"static twice", func(c *Config) { c.Sources[1].File = "s.yaml" }, "sources[1].file", "not both"},
		{"static key", func(c *Config) { c.Sources[1].States["PR1"] = "open" }, "sources[1].states.PR1", `"PR1" is not a pull-request number`},
		{"static state", func(c *Config) { c.Sources[1].States["1"] = "gone" }, "sources[1].states.1", `"gone" is not a state`},

		{"no rules", func(c *Config) { c.Rules = nil }, "rules", "at least one rule"},
		{"tags missing", func(c *Config) { c.Rules[0].Tags = "" }, "rules[0].tags", "required"},
		{"tags broken", func(c *Config) { c.Rules[0].Tags = "^PR(?P<pr>\\d+" }, "rules[0].tags", "not a valid regular expression: error parsing regexp: missing closing )"},
		{"tags perl", func(c *Config) { c.Rules[0].Tags = `^PR(?P<pr>\d+)(?=-)` }, "rules[0].tags", "not a valid regular expression"},
		{"tags no group", func(c *Config) { c.Rules[0].Tags = `^PR(\d+)` }, "rules[0].tags", "no named group pr"},
		{"tags other group", func(c *Config) { c.Rules[0].Tags = `^PR(?P<id>\d+)` }, "rules[0].tags", "no named group pr"},
		{"source missing", func(c *Config) { c.Rules[0].Source = "" }, "rules[0].source", "required"},
		{"source undefined", func(c *Config) { c.Rules[0].Source = "gh" }, "rules[0].source", `"gh" is not the name of a source`},
		{"repo with ado", func(c *Config) { c.Rules[0].Repo = "o/r" }, "rules[0].repo", "not used with a source of type azuredevops"},
		{"delete unknown", func(c *Config) { c.Rules[0].Delete = []string{"merged", "unknown"} }, "rules[0].delete[1]", "unknown is never deleted"},
		{"delete junk", func(c *Config) { c.Rules[0].Delete = []string{"abandoned"} }, "rules[0].delete[0]", `"abandoned" is not a state`},
		{"after negative", func(c *Config) { c.Rules[0].After = Duration(-time.Hour) }, "rules[0].after", "must not be negative"},
		{"rule glob", func(c *Config) { c.Rules[0].Repositories = []string{"a/[b"} }, "rules[0].repositories[0]", "not a valid glob"},
		{"rule globs none", func(c *Config) { c.Rules[0].Repositories = []string{} }, "rules[0].repositories", "list at least one glob"},

		{"keep broken", func(c *Config) { c.Keep = append(c.Keep, "v(") }, "keep[1]", "not a valid regular expression"},
		{"untagged", func(c *Config) { c.Untagged = "purge" }, "untagged", `"purge" is not keep or delete`},
		{"concurrency low", func(c *Config) { c.Concurrency = 0 }, "concurrency", "0 is not between 1 and 64"},
		{"concurrency high", func(c *Config) { c.Concurrency = 65 }, "concurrency", "65 is not between 1 and 64"},
		{"maxDeletions", func(c *Config) { c.Safety.MaxDeletions = -1 }, "safety.maxDeletions", "must not be negative"},
		{"timeout", func(c *Config) { c.Timeout = Duration(-time.Second) }, "timeout", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(c)
			err := c.Validate()
			errs := configErrors(t, err)
			for _, e := range errs {
				if e.Path == tt.path && strings.Contains(e.Msg, tt.msg) {
					if !strings.Contains(e.Error(), tt.path+": ") {
						t.Fatalf("text %q lacks the path", e.Error())
					}
					return
				}
			}
			t.Fatalf("want %s: …%s…, got:\n%v", tt.path, tt.msg, err)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
	}{
		{"base", func(*Config) {}},
		{"http localhost", func(c *Config) { c.Registry.URL = "http://localhost:5000" }},
		{"http 127.0.0.2", func(c *Config) { c.Registry.URL = "http://127.0.0.2:5000/" }},
		{"http ::1", func(c *Config) { c.Registry.URL = "http://[::1]:5000" }},
		{"http insecure", func(c *Config) { c.Registry.URL, c.Registry.Insecure = "http://r.example.com", true }},
		{"https explicit", func(c *Config) { c.Registry.URL = "https://r.example.com:8443/" }},
		{"no credentials", func(c *Config) { c.Registry.Username, c.Registry.Password = "", Secret{} }},
		{"go group syntax", func(c *Config) { c.Rules[0].Tags = `^PR(?<pr>\d+)` }},
		{"delete nothing", func(c *Config) { c.Rules[0].Delete = []string{} }},
		{"delete missing, open", func(c *Config) { c.Rules[0].Delete = []string{"missing", "open"} }},
		{"keep nothing", func(c *Config) { c.Keep = []string{} }},
		{"static rule", func(c *Config) { c.Rules[0].Source = "offline" }},
		{"static unknown state", func(c *Config) { c.Sources[1].States["2"] = "unknown" }},
		{"limits", func(c *Config) { c.Concurrency, c.Safety.MaxDeletions, c.Timeout = 64, 10, Duration(time.Hour) }},
		{"untagged delete", func(c *Config) { c.Untagged = "delete" }},
		{"ado pat", func(c *Config) { c.Sources[0].TokenType = "bearer" }},
		{"ado on loopback", func(c *Config) { c.Sources[0].URL = "http://127.0.0.1:8080/o" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(c)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := validConfig(t)
	c.Registry.URL, c.Concurrency, c.Untagged, c.Rules[0].Tags = "", 0, "x", "("
	errs := configErrors(t, c.Validate())
	if len(errs) != 4 {
		t.Fatalf("want 4 errors, got %d: %v", len(errs), errs)
	}
}

func TestValidateErrorsCarryLines(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(baseYAML, `source: ado}`, `source: nope}`, 1)), "", nil)
	if want := `line 7:30: rules[0].source: "nope" is not the name of a source`; err == nil || err.Error() != want {
		t.Fatalf("err = %v; want %s", err, want)
	}
}

func TestSchemeAndHost(t *testing.T) {
	tests := []struct{ url, scheme, host string }{
		{"r.example.com", "https", "r.example.com"},
		{"r.example.com/", "https", "r.example.com"},
		{"r.example.com:5000", "https", "r.example.com:5000"},
		{"https://r.example.com", "https", "r.example.com"},
		{"HTTP://r.example.com:80/", "http", "r.example.com:80"},
		{"localhost:5000", "http", "localhost:5000"},
		{"127.0.0.1:5000", "http", "127.0.0.1:5000"},
		{"[::1]:5000", "http", "[::1]:5000"},
		{"https://localhost:5000", "https", "localhost:5000"},
		{"r.example.com/x", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		r := Registry{URL: tt.url}
		if r.Scheme() != tt.scheme || r.Host() != tt.host {
			t.Errorf("%q: Scheme, Host = %q, %q; want %q, %q", tt.url, r.Scheme(), r.Host(), tt.scheme, tt.host)
		}
	}
}

func TestCompiledFormsWithoutValidate(t *testing.T) {
	c := Config{Keep: []string{"^keep$", "("}}
	kp := c.KeepPatterns()
	if len(kp) != 2 || !kp[1].MatchString("anything") {
		t.Fatalf("a broken keep pattern must keep everything: %v", kp)
	}
	if (Rule{Tags: "("}).TagPattern() != nil {
		t.Fatal("TagPattern of a broken regex is not nil")
	}
	r := Rule{Delete: []string{"merged", "unknown", "bogus", "missing"}}
	if got := r.DeleteStates(); len(got) != 2 || got[0] != "merged" || got[1] != "missing" {
		t.Fatalf("DeleteStates = %v", got)
	}
}

func TestSetDefaultsOnCodeBuiltConfig(t *testing.T) {
	c := &Config{
		Registry: Registry{URL: "localhost:5000"},
		Sources:  []Source{{Name: "s", Type: "static", States: map[string]string{"1": "merged"}}},
		Rules:    []Rule{{Tags: `^PR(?P<pr>\d+)`, Source: "s"}},
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Rules[0].TagPattern() == nil || len(c.KeepPatterns()) != 1 {
		t.Fatal("compiled forms missing")
	}
}
