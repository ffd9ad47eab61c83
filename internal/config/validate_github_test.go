package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// errorsOrNone is configErrors for a Validate that may pass.
func errorsOrNone(t *testing.T, err error) []*Error {
	t.Helper()
	if err == nil {
		return nil
	}
	return configErrors(t, err)
}

const githubYAML = `
registry: {url: r.example.com}
sources:
  - {name: gh, type: github, token: t}
rules:
  - {tags: '^pr-(?P<pr>\d+)$', source: gh, repo: contoso/app}
`

func TestGitHubSourceValid(t *testing.T) {
	for name, tc := range map[string]struct{ source, repo string }{
		"token":          {`{name: gh, type: github, token: t}`, "contoso/app"},
		"GHES":           {`{name: gh, type: github, url: "https://ghe.example.com/api/v3", token: t}`, "contoso/app"},
		"GHE.com":        {`{name: gh, type: github, url: "https://api.contoso.ghe.com", token: t}`, "contoso/app"},
		"loopback http":  {`{name: gh, type: github, url: "http://127.0.0.1:8080", token: t}`, "contoso/app"},
		"app":            {`{name: gh, type: github, appId: 12, installationId: 34, privateKeyFile: key.pem}`, "contoso/app"},
		"name template":  {`{name: gh, type: github, token: t}`, "contoso/{name}"},
		"whole template": {`{name: gh, type: github, token: t}`, "{repository}"},
		"mixed":          {`{name: gh, type: github, token: t}`, "contoso/svc-{name}.git"},
	} {
		t.Run(name, func(t *testing.T) {
			y := strings.Replace(githubYAML, "{name: gh, type: github, token: t}", tc.source, 1)
			y = strings.Replace(y, "repo: contoso/app", "repo: '"+tc.repo+"'", 1)
			c := mustParse(t, y, nil)
			if errs := errorsOrNone(t, c.Validate()); len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
		})
	}
	c := mustParse(t, githubYAML, nil)
	if c.Sources[0].GitHubURL() != "https://api.github.com" {
		t.Errorf("default URL %q", c.Sources[0].GitHubURL())
	}
}

func TestGitHubSourceErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		path   string
		msg    string
	}{
		{"url http", func(c *Config) { c.Sources[0].URL = "http://ghe.example.com/api/v3" }, "sources[0].url", "use https://"},
		{"project", func(c *Config) { c.Sources[0].Project = "p" }, "sources[0].project", "not used with type github"},
		{"GHES without /api/v3", func(c *Config) { c.Sources[0].URL = "https://ghe.example.com" }, "sources[0].url", "https://HOST/api/v3"},
		{"no token", func(c *Config) { c.Sources[0].Token = Secret{} }, "sources[0].token", "or a GitHub App"},
		{"token and app", func(c *Config) { c.Sources[0].AppID = 1 }, "sources[0].appId", "not both"},
		{"app without installation", func(c *Config) {
			c.Sources[0].Token, c.Sources[0].AppID, c.Sources[0].PrivateKeyFile = Secret{}, 1, "k.pem"
		}, "sources[0].installationId", "required"},
		{"app without key", func(c *Config) {
			c.Sources[0].Token, c.Sources[0].AppID, c.Sources[0].InstallationID = Secret{}, 1, 2
		}, "sources[0].privateKeyFile", "required"},
		{"app without id", func(c *Config) {
			c.Sources[0].Token, c.Sources[0].InstallationID, c.Sources[0].PrivateKeyFile = Secret{}, 2, "k.pem"
		}, "sources[0].appId", "required"},
		{"app keys elsewhere", func(c *Config) {
			c.Sources = append(c.Sources, Source{Name: "ado", Type: "azuredevops", URL: "https://dev.azure.com/o", Project: "p", Token: NewSecret("t"), AppID: 3})
		}, "sources[1].appId", "only used with type github"},
		{"repo missing", func(c *Config) { c.Rules[0].Repo = "" }, "rules[0].repo", "owner/name"},
		{"repo one part", func(c *Config) { c.Rules[0].Repo = "contoso" }, "rules[0].repo", "is not owner/name"},
		{"repo three parts", func(c *Config) { c.Rules[0].Repo = "contoso/app/x" }, "rules[0].repo", "is not owner/name"},
		{"repo other placeholder", func(c *Config) { c.Rules[0].Repo = "contoso/{tag}" }, "rules[0].repo", "{tag} is not a placeholder"},
		{"repo brace", func(c *Config) { c.Rules[0].Repo = "contoso/{name" }, "rules[0].repo", "unmatched brace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, githubYAML, nil)
			tt.mutate(c)
			found := false
			errs := configErrors(t, c.Validate())
			for _, e := range errs {
				found = found || (e.Path == tt.path && strings.Contains(e.Msg, tt.msg))
			}
			if !found {
				t.Errorf("want %s: …%s…, got %v", tt.path, tt.msg, errs)
			}
		})
	}
}

func TestGitHubFilesAreRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("ghp_fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(githubYAML, "{name: gh, type: github, token: t}", "{name: gh, type: github, tokenFile: token}", 1)
	c, err := Parse([]byte(y), dir, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0].Token.Reveal(); got != "ghp_fromfile" {
		t.Errorf("token %q", got)
	}
	y = strings.Replace(githubYAML, "{name: gh, type: github, token: t}", "{name: gh, type: github, appId: 1, installationId: 2, privateKeyFile: app.pem}", 1)
	c, err = Parse([]byte(y), dir, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0].PrivateKeyFile; got != filepath.Join(dir, "app.pem") {
		t.Errorf("privateKeyFile %q, want it relative to the config", got)
	}
}
