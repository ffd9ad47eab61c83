package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const glRest = `
sources: [{name: s, type: static, states: {"1": merged}}]
rules: [{tags: '^PR(?P<pr>\d+)', source: s}]
`

func TestGitLabRegistryAccepted(t *testing.T) {
	for _, registry := range []string{
		`{type: gitlab, url: registry.gitlab.com, api: "https://gitlab.com", project: team/app, token: glpat-x}`,
		`{type: gitlab, url: registry.example.com, api: "https://git.example.com/gitlab", group: team, token: "${GITLAB_TOKEN}"}`,
		`{type: gitlab, url: registry.gitlab.com, api: "https://gitlab.com", project: "42", token: glpat-x, caFile: ca.pem}`,
	} {
		c := mustParse(t, "registry: "+registry+glRest, map[string]string{"GITLAB_TOKEN": "glpat-y"})
		if c.Registry.Type != "gitlab" {
			t.Errorf("%s: type %q", registry, c.Registry.Type)
		}
	}
}

func TestGitLabRegistryTokenFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("glpat-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "registry: {type: gitlab, url: registry.gitlab.com, api: \"https://gitlab.com\", project: team/app, tokenFile: token}" + glRest
	c, err := Parse([]byte(src), dir, mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Registry.Token.Reveal() != "glpat-from-file" {
		t.Errorf("token %q, want the file's", c.Registry.Token.Reveal())
	}
}

func TestGitLabRegistryValidation(t *testing.T) {
	tests := []struct {
		name, registry, path, msg string
	}{
		{"api missing", `{type: gitlab, url: r.example.com, project: p/a, token: t}`, "registry.api", "required"},
		{"api over http", `{type: gitlab, url: r.example.com, api: "http://gitlab.example.com", project: p/a, token: t}`, "registry.api", "use https://"},
		{"api not a URL", `{type: gitlab, url: r.example.com, api: gitlab.com, project: p/a, token: t}`, "registry.api", "not a URL"},
		{"api with a query", `{type: gitlab, url: r.example.com, api: "https://gitlab.com?x=1", project: p/a, token: t}`, "registry.api", "scheme, host and path only"},
		{"neither project nor group", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", token: t}`, "registry.project", "required"},
		{"project and group", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", project: p/a, group: p, token: t}`, "registry.group", "not both"},
		{"no token", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", project: p/a}`, "registry.token", "required"},
		{"empty token variable", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", project: p/a, token: "${GITLAB_TOKEN}"}`, "registry.token", "GITLAB_TOKEN"},
		{"token and tokenFile", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", project: p/a, token: t, tokenFile: f}`, "registry.tokenFile", "not both"},
		{"password", `{type: gitlab, url: r.example.com, api: "https://gitlab.com", project: p/a, token: t, username: u, password: p}`, "registry.password", "not used with type gitlab"},
		{"project on oci", `{type: oci, url: r.example.com, project: p/a}`, "registry.project", "only used with type gitlab"},
		{"group on acr", `{type: acr, url: r.azurecr.io, group: g}`, "registry.group", "only used with type gitlab"},
		{"api on oci", `{type: oci, url: r.example.com, api: "https://gitlab.com"}`, "registry.api", "only used with type ghcr or gitlab"},
		{"token on oci", `{type: oci, url: r.example.com, token: t}`, "registry.token", "only used with type ghcr or gitlab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte("registry: "+tt.registry+glRest), "", mapEnv(map[string]string{"GITLAB_TOKEN": ""}))
			for _, e := range configErrors(t, err) {
				if e.Path == tt.path && strings.Contains(e.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("want %s: …%s…, got:\n%v", tt.path, tt.msg, err)
		})
	}
}
