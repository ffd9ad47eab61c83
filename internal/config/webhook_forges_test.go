package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const forgeHooksYAML = baseYAML + `serve:
  webhooks:
    github:
      secret: ${GH_HOOK_SECRET}
      source: offline
    gitlab:
      tokenFile: gitlab-hook-token
      source: offline
`

func TestForgeHooksLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gitlab-hook-token"), []byte("gl-token-9c1e\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(forgeHooksYAML), dir, mapEnv(map[string]string{"GH_HOOK_SECRET": "gh-secret-4b7d"}))
	if err != nil {
		t.Fatal(err)
	}
	gh, gl := c.Serve.Webhooks.GitHub, c.Serve.Webhooks.GitLab
	if gh == nil || gh.Secret.Reveal() != "gh-secret-4b7d" || gh.Source != "offline" {
		t.Errorf("github: %+v", gh)
	}
	if gl == nil || gl.Token.Reveal() != "gl-token-9c1e" || gl.Source != "offline" {
		t.Errorf("gitlab: %+v", gl)
	}
	if !c.Serve.Webhooks.Any() {
		t.Error("Any: false")
	}
	for _, w := range c.Warnings() {
		if strings.HasPrefix(w, "serve.") {
			t.Errorf("warning %q for secrets from the environment and a file", w)
		}
	}
	if s, ok := WebhookSource("", "azuredevops", c.Sources); !ok || s.Name != "ado" {
		t.Errorf("WebhookSource: the only azuredevops source: %v %v", s.Name, ok)
	}
}

func TestForgeHooksLiteralSecretWarns(t *testing.T) {
	c := mustParse(t, strings.Replace(forgeHooksYAML, "tokenFile: gitlab-hook-token", "token: gl-token-literal", 1),
		map[string]string{"GH_HOOK_SECRET": "x"})
	w := c.Warnings()
	if len(w) == 0 || !strings.HasPrefix(w[len(w)-1], "serve.webhooks.gitlab.token: a secret is written") {
		t.Errorf("warnings %v", w)
	}
}

func TestForgeHooksValidation(t *testing.T) {
	const secret = "s3cr3t-value-never-printed"
	gh := func(h GitHubWebhook) func(c *Config) {
		return func(c *Config) { c.Serve.Webhooks.GitHub = &h }
	}
	gl := func(h GitLabWebhook) func(c *Config) {
		return func(c *Config) { c.Serve.Webhooks.GitLab = &h }
	}
	addSource := func(name, typ string) func(c *Config) {
		return func(c *Config) { c.Sources = append(c.Sources, Source{Name: name, Type: typ, Token: NewSecret("t")}) }
	}
	both := func(fs ...func(c *Config)) func(c *Config) {
		return func(c *Config) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		path   string
		msg    string
	}{
		{"github open", gh(GitHubWebhook{Source: "offline"}), "serve.webhooks.github", "no secret"},
		{"gitlab open", gl(GitLabWebhook{Source: "offline"}), "serve.webhooks.gitlab", "no token"},
		{"github both", gh(GitHubWebhook{Secret: NewSecret(secret), SecretFile: "f", Source: "offline"}), "serve.webhooks.github.secretFile", "not both"},
		{"gitlab both", gl(GitLabWebhook{Token: NewSecret(secret), TokenFile: "f", Source: "offline"}), "serve.webhooks.gitlab.tokenFile", "not both"},
		{"github empty file", gh(GitHubWebhook{SecretFile: "f", secretFromFile: true, Source: "offline"}), "serve.webhooks.github.secretFile", "the file is empty"},
		{"no github source", gh(GitHubWebhook{Secret: NewSecret(secret)}), "serve.webhooks.github", "no source of type github"},
		{"no gitlab source", gl(GitLabWebhook{Token: NewSecret(secret)}), "serve.webhooks.gitlab", "no source of type gitlab"},
		{"unknown source", gh(GitHubWebhook{Secret: NewSecret(secret), Source: "nope"}), "serve.webhooks.github.source", `"nope" is not the name of a source`},
		{"wrong type", gl(GitLabWebhook{Token: NewSecret(secret), Source: "ado"}), "serve.webhooks.gitlab.source", "has type azuredevops, want gitlab"},
		{"github source of gitlab type", both(addSource("lab", "gitlab"), gh(GitHubWebhook{Secret: NewSecret(secret), Source: "lab"})),
			"serve.webhooks.github.source", "has type gitlab, want github"},
		{"two github sources", both(addSource("gh1", "github"), addSource("gh2", "github"), gh(GitHubWebhook{Secret: NewSecret(secret)})),
			"serve.webhooks.github.source", "required: 2 sources have type github"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(c)
			errs := configErrors(t, c.Validate())
			found := false
			for _, e := range errs {
				if strings.Contains(e.Error(), secret) {
					t.Errorf("the secret appears in %q", e.Error())
				}
				found = found || (e.Path == tt.path && strings.Contains(e.Msg, tt.msg))
			}
			if !found {
				t.Errorf("want %s: …%s…, got %v", tt.path, tt.msg, errs)
			}
		})
	}
	// One github source, not named: taken.
	c := validConfig(t)
	addSource("gh", "github")(c)
	gh(GitHubWebhook{Secret: NewSecret(secret)})(c)
	for _, e := range errorsOrNone(t, c.Validate()) { // github sources are supported: none
		if strings.HasPrefix(e.Path, "serve.") {
			t.Errorf("one github source: %v", e)
		}
	}
}

// A secret from an empty variable names the variable.
func TestForgeHooksEmptySecretFromEnv(t *testing.T) {
	_, err := Parse([]byte(forgeHooksYAML), t.TempDir(), mapEnv(map[string]string{"GH_HOOK_SECRET": ""}))
	found := false
	for _, e := range configErrors(t, err) {
		found = found || e.Path == "serve.webhooks.github.secret" && strings.Contains(e.Msg, "${GH_HOOK_SECRET} is empty")
	}
	if !found {
		t.Errorf("errors %v", err)
	}
}
