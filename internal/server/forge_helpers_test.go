package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/server"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	ghSecret = "gh-hook-8d1f0c6a2b9e47f3a5c1" // fake
	glToken  = "gl-hook-5e2a9b7c3d1f40e8b6a2" // fake
)

// forgeHooks is a serve section with both endpoints on the static source
// "offline": GitHub and GitLab sources have no adapter in this package's tests,
// and which source reads the state is the sweep's business, not the endpoint's.
const forgeHooks = `  webhooks:
    github:
      secret: ${GH_SECRET}
      source: offline
    gitlab:
      token: ${GL_TOKEN}
      source: offline
`

// newForgeFixture is newFixture with a static source that knows the classic
// set's pull requests: 3571 merged, 3574 closed, the others open.
func newForgeFixture(t *testing.T, serve string) *fixture {
	t.Helper()
	f := &fixture{t: t, reg: registrytest.StartV3(t), out: &httpxtest.Buffer{}, events: make(chan server.Event, 64)}
	registrytest.MustSeed(t, f.reg, registrytest.ClassicSet())
	yaml := fmt.Sprintf(`registry:
  url: http://%s
sources:
  - name: offline
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open, "3589": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: offline
serve:
%s`, f.reg.Host(), serve)
	env := map[string]string{"GH_SECRET": ghSecret, "GL_TOKEN": glToken}
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	sw, err := sweep.New(cfg, sweep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.srv, err = server.New(cfg, sw, server.Options{Stdout: f.out, Format: "text", Observe: f.observe}); err != nil {
		t.Fatal(err)
	}
	f.hooks = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.hooks.Close)
	return f
}

// payload reads a fixture from testdata and applies edits, each a JSON path
// (dot-separated keys) and its new value.
func payload(t *testing.T, name string, edits map[string]any) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return string(b)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for path, v := range edits {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = v
	}
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signature is GitHub's X-Hub-Signature-256 of body with secret.
func signature(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// postGitHub sends body as GitHub does: event, delivery id and signature headers
// (each left out when "").
func postGitHub(t *testing.T, base, event, delivery, sig, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/github", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/5f6a2b1")
	for k, v := range map[string]string{"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sig} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return do(t, req)
}

// postGitLab sends body as GitLab does: event, token and idempotency key
// headers (each left out when "").
func postGitLab(t *testing.T, base, event, token, key, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/gitlab", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitLab/17.6.0")
	for k, v := range map[string]string{"X-Gitlab-Event": event, "X-Gitlab-Token": token, "Idempotency-Key": key} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return do(t, req)
}
