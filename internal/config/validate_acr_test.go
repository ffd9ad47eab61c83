package config

import (
	"strings"
	"testing"
)

const acrRest = `
sources: [{name: s, type: static, states: {"1": merged}}]
rules: [{tags: '^PR(?P<pr>\d+)', source: s}]
`

func TestACRAuthIsChosenByTheKeys(t *testing.T) {
	tests := []struct {
		registry string
		want     string
	}{
		{`{type: acr, url: r.azurecr.io}`, ACRAuthDefault},
		{`{type: acr, url: r.azurecr.io, tenantId: t, clientId: c, clientSecret: s}`, ACRAuthClientSecret},
		{`{type: acr, url: r.azurecr.io, tenantId: t, clientId: c, clientCertificateFile: sp.pem}`, ACRAuthClientCertificate},
		{`{type: acr, url: r.azurecr.io, tenantId: t, clientId: c, serviceConnectionId: sc, systemAccessToken: tok}`, ACRAuthAzurePipelines},
		{`{type: acr, url: r.azurecr.io, federatedTokenFile: /var/run/token}`, ACRAuthWorkloadIdentity},
		{`{type: acr, url: r.azurecr.io, username: prsweep, password: p}`, ACRAuthBasic},
		{`{type: acr, url: r.azurecr.io, auth: managedIdentity, clientId: c}`, ACRAuthManagedIdentity},
		{`{type: acr, url: r.azurecr.io, auth: azureCli}`, ACRAuthAzureCLI},
		{`{type: acr, url: r.azurecr.io, auth: workloadIdentity}`, ACRAuthWorkloadIdentity},
		{`{type: acr, url: r.azurecr.io, authorityHost: "https://login.microsoftonline.us/", tenantId: t, clientId: c, clientSecret: s}`, ACRAuthClientSecret},
	}
	for _, tt := range tests {
		t.Run(tt.registry, func(t *testing.T) {
			c := mustParse(t, "registry: "+tt.registry+acrRest, nil)
			if got := c.Registry.ACRAuth(); got != tt.want {
				t.Errorf("auth %q, want %q", got, tt.want)
			}
		})
	}
}

func TestACRValidation(t *testing.T) {
	tests := []struct {
		name, registry, path, msg string
	}{
		{"unknown auth", `{type: acr, url: r.azurecr.io, auth: password}`, "registry.auth", `"password" is not one of default, clientSecret`},
		{"two ways at once", `{type: acr, url: r.azurecr.io, username: u, password: p, tenantId: t, clientId: c, clientSecret: s}`,
			"registry.auth", "more than one way to sign in (basic, clientSecret)"},
		{"secret without tenant", `{type: acr, url: r.azurecr.io, clientId: c, clientSecret: s}`, "registry.clientSecret", "needs tenantId and clientId"},
		{"clientSecret auth without secret", `{type: acr, url: r.azurecr.io, auth: clientSecret, tenantId: t, clientId: c}`,
			"registry.clientSecret", "clientSecret or clientSecretFile"},
		{"certificate auth without file", `{type: acr, url: r.azurecr.io, auth: clientCertificate, tenantId: t, clientId: c}`,
			"registry.clientCertificateFile", "required"},
		{"pipelines without token", `{type: acr, url: r.azurecr.io, tenantId: t, clientId: c, serviceConnectionId: sc}`,
			"registry.systemAccessToken", "SYSTEM_ACCESSTOKEN"},
		{"pipelines without tenant", `{type: acr, url: r.azurecr.io, clientId: c, serviceConnectionId: sc, systemAccessToken: tok}`,
			"registry.tenantId", "required"},
		{"key of another auth", `{type: acr, url: r.azurecr.io, tenantId: t, clientId: c, clientSecret: s, serviceConnectionId: sc, auth: clientSecret}`,
			"registry.serviceConnectionId", "not used with auth clientSecret"},
		{"tenant with managed identity", `{type: acr, url: r.azurecr.io, auth: managedIdentity, tenantId: t}`,
			"registry.tenantId", "not used with auth managedIdentity"},
		{"username with another auth", `{type: acr, url: r.azurecr.io, auth: azureCli, username: u, password: p}`,
			"registry.username", "not used with auth azureCli"},
		{"basic without credentials", `{type: acr, url: r.azurecr.io, auth: basic}`, "registry.username", "required with auth basic"},
		{"http", `{type: acr, url: "http://127.0.0.1:5000"}`, "registry.url", "https only"},
		{"insecure", `{type: acr, url: r.azurecr.io, insecure: true}`, "registry.insecure", "https only"},
		{"authority over http", `{type: acr, url: r.azurecr.io, authorityHost: "http://127.0.0.1:8080/"}`, "registry.authorityHost", "use https://"},
		{"audience not a URL", `{type: acr, url: r.azurecr.io, audience: containerregistry}`, "registry.audience", "not a URL"},
		{"acr keys on oci", `{type: oci, url: r.example.com, auth: clientSecret, serviceConnectionId: sc, audience: "https://a"}`,
			"registry.serviceConnectionId", "only used with type acr"},
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

// A value from the environment is named, not shown, in an error.
func TestACRErrorsHideEnvValues(t *testing.T) {
	_, err := Parse([]byte("registry: {type: acr, url: r.azurecr.io, auth: '${AUTH}'}"+acrRest), "",
		mapEnv(map[string]string{"AUTH": secretValue}))
	if err == nil || strings.Contains(err.Error(), secretValue) || !strings.Contains(err.Error(), "the value of ${AUTH}") {
		t.Errorf("error %v; want the variable named and its value hidden", err)
	}
}

// ACR throttles per minute: its default retry budget is larger.
func TestACRDefaultAttempts(t *testing.T) {
	for registry, want := range map[string]int{
		`{type: acr, url: r.azurecr.io}`:                           5 * 2,
		`{type: acr, url: r.azurecr.io}` + "\nhttp: {attempts: 3}": 3,
		`{type: oci, url: r.example.com}`:                          5,
	} {
		if got := mustParse(t, "registry: "+registry+acrRest, nil).HTTP.Attempts; got != want {
			t.Errorf("%s: attempts %d, want %d", registry, got, want)
		}
	}
}
