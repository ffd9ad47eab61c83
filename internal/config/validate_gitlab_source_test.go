package config

import (
	"strings"
	"testing"
)

const gitlabSourceYAML = `
registry: {url: r.example.com}
sources:
  - {name: gl, type: gitlab, token: t, project: group/sub/app}
rules:
  - {tags: '^mr-(?P<pr>\d+)$', source: gl}
`

func TestGitLabSourceValid(t *testing.T) {
	for name, tc := range map[string]struct{ source, repo string }{
		"default project":   {`{name: gl, type: gitlab, token: t, project: group/sub/app}`, ""},
		"self-managed":      {`{name: gl, type: gitlab, url: "https://gitlab.example.com", token: t, project: "42"}`, ""},
		"job token":         {`{name: gl, type: gitlab, token: t, tokenType: job, project: g/app}`, ""},
		"private token":     {`{name: gl, type: gitlab, token: t, tokenType: private}`, "g/app"},
		"repo on the rule":  {`{name: gl, type: gitlab, token: t}`, "group/app"},
		"numeric repo":      {`{name: gl, type: gitlab, token: t}`, "1234"},
		"template":          {`{name: gl, type: gitlab, token: t}`, "group/{name}"},
		"whole template":    {`{name: gl, type: gitlab, token: t}`, "{repository}"},
		"repo over project": {`{name: gl, type: gitlab, token: t, project: a/b}`, "c/d"},
	} {
		t.Run(name, func(t *testing.T) {
			y := strings.Replace(gitlabSourceYAML, "{name: gl, type: gitlab, token: t, project: group/sub/app}", tc.source, 1)
			if tc.repo != "" {
				y = strings.Replace(y, "source: gl}", "source: gl, repo: '"+tc.repo+"'}", 1)
			}
			c := mustParse(t, y, nil)
			if errs := errorsOrNone(t, c.Validate()); len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
		})
	}
}

func TestGitLabSourceErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		path   string
		msg    string
	}{
		{"url http", func(c *Config) { c.Sources[0].URL = "http://gitlab.example.com" }, "sources[0].url", "use https://"},
		{"no token", func(c *Config) { c.Sources[0].Token = Secret{} }, "sources[0].token", "read_api"},
		{"token and file", func(c *Config) { c.Sources[0].TokenFile = "t.txt" }, "sources[0].tokenFile", "not both"},
		{"token type", func(c *Config) { c.Sources[0].TokenType = "pat" }, "sources[0].tokenType", "not one of private, job"},
		{"bad project", func(c *Config) { c.Sources[0].Project = "group//app" }, "sources[0].project", "not a project path"},
		{"no project anywhere", func(c *Config) { c.Sources[0].Project = "" }, "rules[0].repo", "required with source gl"},
		{"bad repo", func(c *Config) { c.Rules[0].Repo = "group/../app" }, "rules[0].repo", "not a project path"},
		{"other placeholder", func(c *Config) { c.Rules[0].Repo = "group/{tag}" }, "rules[0].repo", "{tag} is not a placeholder"},
		{"token type elsewhere", func(c *Config) {
			c.Sources = append(c.Sources, Source{Name: "s", Type: "static", States: map[string]string{"1": "open"}, TokenType: "job"})
		}, "sources[1].tokenType", "only used with type azuredevops or gitlab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, gitlabSourceYAML, nil)
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

// Deleting missing through a gitlab source warns about the one way GitLab's "404
// Not found" can mislead: a rule naming the wrong project.
func TestGitLabMissingWarning(t *testing.T) {
	c := mustParse(t, strings.Replace(gitlabSourceYAML, "source: gl}", "source: gl, delete: [merged, missing]}", 1), nil)
	w := c.missingWarnings()
	if len(w) != 1 || !strings.Contains(w[0], "wrong project") {
		t.Errorf("warnings %q, want one about a rule naming the wrong project", w)
	}
}
