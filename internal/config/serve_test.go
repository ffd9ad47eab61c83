package config

import (
	"strings"
	"testing"
	"time"
)

const serveYAML = baseYAML + `serve:
  listen: 127.0.0.1:9090
  schedule: "0 23 * * *"
  queue: 4
  webhooks:
    azuredevops:
      username: prsweep
      password: ${HOOK_PASSWORD}
`

func TestServeSection(t *testing.T) {
	c := mustParse(t, serveYAML, map[string]string{"HOOK_PASSWORD": "hunter2-hunter2"})
	s := c.Serve
	if s.ListenAddr() != "127.0.0.1:9090" || s.QueueSize() != 4 {
		t.Errorf("ListenAddr, QueueSize = %q, %d", s.ListenAddr(), s.QueueSize())
	}
	w := s.Webhooks.AzureDevOps
	if w == nil || !w.Basic() || w.Username != "prsweep" || w.Password.Reveal() != "hunter2-hunter2" {
		t.Fatalf("webhooks.azuredevops = %+v", w)
	}
	at := time.Date(2026, 11, 20, 22, 30, 0, 0, time.UTC)
	if next, ok := s.Next(at); !ok || !next.Equal(time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Next(%s) = %s, %v", at, next, ok)
	}
	for _, w := range c.Warnings() {
		if strings.HasPrefix(w, "serve.") {
			t.Errorf("warning %q for a password from the environment", w)
		}
	}

	// Absent: defaults, no schedule, no endpoint.
	c = validConfig(t)
	if c.Serve.ListenAddr() != ":8080" || c.Serve.QueueSize() != 16 || c.Serve.Webhooks.AzureDevOps != nil {
		t.Errorf("defaults: %+v", c.Serve)
	}
	if _, ok := c.Serve.Next(at); ok {
		t.Error("Next without a schedule: ok")
	}
	for _, sched := range []string{"@every 6h", "@daily", "CRON_TZ=Europe/Paris 0 23 * * 1-5"} {
		c := validConfig(t)
		c.Serve.Schedule = sched
		if err := c.Validate(); err != nil {
			t.Errorf("schedule %q: %v", sched, err)
		}
	}
}

func TestServeLiteralSecretWarns(t *testing.T) {
	c := mustParse(t, strings.Replace(serveYAML, "${HOOK_PASSWORD}", "hunter2-hunter2", 1), nil)
	w := c.Warnings()
	if len(w) == 0 || !strings.HasPrefix(w[len(w)-1], "serve.webhooks.azuredevops.password: a secret is written") {
		t.Errorf("warnings %v", w)
	}
}

func TestServeValidation(t *testing.T) {
	const secret = "s3cr3t-value-never-printed"
	hook := func(w WebhookAuth) func(c *Config) {
		return func(c *Config) { c.Serve.Webhooks.AzureDevOps = &w }
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		path   string
		msg    string
	}{
		{"open endpoint", hook(WebhookAuth{}), "serve.webhooks.azuredevops", "no credentials"},
		{"username alone", hook(WebhookAuth{Username: "u"}), "serve.webhooks.azuredevops.password", "required"},
		{"password alone", hook(WebhookAuth{Password: NewSecret(secret)}), "serve.webhooks.azuredevops.username", "required"},
		{"header alone", hook(WebhookAuth{Header: "X-Token"}), "serve.webhooks.azuredevops.secret", "required"},
		{"secret alone", hook(WebhookAuth{Secret: NewSecret(secret)}), "serve.webhooks.azuredevops.header", "required"},
		{"both ways", hook(WebhookAuth{Username: "u", Password: NewSecret(secret), Header: "X-Token", Secret: NewSecret(secret)}),
			"serve.webhooks.azuredevops", "not both"},
		{"bad header", hook(WebhookAuth{Header: "X Token", Secret: NewSecret(secret)}), "serve.webhooks.azuredevops.header", "not a valid header name"},
		{"authorization header", hook(WebhookAuth{Header: "authorization", Secret: NewSecret(secret)}), "serve.webhooks.azuredevops.header", "set username and password"},
		{"no ado source", func(c *Config) {
			hook(WebhookAuth{Username: "u", Password: NewSecret(secret)})(c)
			c.Sources, c.Rules[0].Source = c.Sources[1:], "offline"
		}, "serve.webhooks.azuredevops", "no source of type azuredevops"},
		{"schedule fields", func(c *Config) { c.Serve.Schedule = "0 23 * *" }, "serve.schedule", "not a cron schedule"},
		{"schedule seconds", func(c *Config) { c.Serve.Schedule = "0 0 23 * * *" }, "serve.schedule", "not a cron schedule"},
		{"schedule too often", func(c *Config) { c.Serve.Schedule = "@every 10s" }, "serve.schedule", "more often than once a minute"},
		{"listen no port", func(c *Config) { c.Serve.Listen = "localhost" }, "serve.listen", "want host:port"},
		{"listen port", func(c *Config) { c.Serve.Listen = ":99999" }, "serve.listen", "0 to 65535"},
		{"listen host", func(c *Config) { c.Serve.Listen = "a b:80" }, "serve.listen", "not a valid host"},
		{"queue negative", func(c *Config) { c.Serve.Queue = -1 }, "serve.queue", "not between 1 and 1024"},
		{"queue huge", func(c *Config) { c.Serve.Queue = 5000 }, "serve.queue", "not between 1 and 1024"},
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
}

// An endpoint whose secret comes from an empty variable names the variable.
func TestServeEmptySecretFromEnv(t *testing.T) {
	_, err := Parse([]byte(serveYAML), "", mapEnv(map[string]string{"HOOK_PASSWORD": ""}))
	errs := configErrors(t, err)
	if len(errs) != 1 || errs[0].Path != "serve.webhooks.azuredevops.password" || !strings.Contains(errs[0].Msg, "${HOOK_PASSWORD} is empty") || errs[0].Line == 0 {
		t.Errorf("errors %v", errs)
	}
}
