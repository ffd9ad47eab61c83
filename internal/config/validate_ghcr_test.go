package config

import (
	"strings"
	"testing"
)

func TestGHCRConfig(t *testing.T) {
	c := mustParse(t, `registry: {type: ghcr, url: ghcr.io, owner: contoso, token: t0k}`+acrRest, nil)
	if got := c.Registry.GHCRAPI(); got != DefaultGHCRAPI {
		t.Errorf("api %q, want %q for ghcr.io", got, DefaultGHCRAPI)
	}
	c = mustParse(t, `registry: {type: ghcr, url: containers.github.example.com, api: "https://github.example.com/api/v3", owner: Contoso-Dev, token: t0k}`+acrRest, nil)
	if got := c.Registry.GHCRAPI(); got != "https://github.example.com/api/v3" {
		t.Errorf("api %q", got)
	}
}

func TestGHCRValidation(t *testing.T) {
	tests := []struct {
		name, registry, path, msg string
	}{
		{"no owner", `{type: ghcr, url: ghcr.io, token: t}`, "registry.owner", "required"},
		{"bad owner", `{type: ghcr, url: ghcr.io, owner: "contoso/app", token: t}`, "registry.owner", "not a GitHub user or organisation"},
		{"no token", `{type: ghcr, url: ghcr.io, owner: contoso}`, "registry.token", "read:packages and delete:packages"},
		{"api over http", `{type: ghcr, url: ghcr.io, api: "http://api.github.com", owner: contoso, token: t}`, "registry.api", "use https://"},
		{"GHES without api", `{type: ghcr, url: containers.github.example.com, owner: contoso, token: t}`, "registry.api", "required with a registry other than ghcr.io"},
		{"http registry", `{type: ghcr, url: "http://127.0.0.1:5000", api: "https://127.0.0.1:5001", owner: contoso, token: t}`, "registry.url", "https only"},
		{"insecure", `{type: ghcr, url: ghcr.io, owner: contoso, token: t, insecure: true}`, "registry.insecure", "https only"},
		{"basic credentials", `{type: ghcr, url: ghcr.io, owner: contoso, token: t, username: u, password: p}`, "registry.password", "the token signs in"},
		{"acr keys", `{type: ghcr, url: ghcr.io, owner: contoso, token: t, tenantId: x}`, "registry.tenantId", "only used with type acr"},
		{"owner on oci", `{type: oci, url: r.example.com, owner: contoso}`, "registry.owner", "only used with type ghcr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte("registry: "+tt.registry+acrRest), "", mapEnv(nil))
			for _, e := range configErrors(t, err) {
				if e.Path == tt.path && strings.Contains(e.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("want %s: …%s…, got:\n%v", tt.path, tt.msg, err)
		})
	}
}
