package acr_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Every way to sign in reaches the registry through the real azidentity
// credential (or, for basic, ACR's token endpoint), and a wrong credential is
// registry.ErrUnauthorized without the secret in the message.
func TestSignInMethods(t *testing.T) {
	const otherID = "33333333-2222-4333-8444-555555555555"
	tests := []struct {
		name     string
		setup    func(t *testing.T, f *fixture) acr.Credentials
		refused  bool
		exchange bool // the Entra token is exchanged at /oauth2/exchange
	}{
		{name: "client secret", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials { return f.spCredentials() }},
		{name: "wrong client secret", refused: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			c := f.spCredentials()
			c.ClientSecret = "wrong-" + secret
			return c
		}},
		{name: "client certificate", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			cert, file := certificate(t)
			f.acr.AddCertificatePrincipal(tenant, otherID, cert, registrytest.ACRContributor())
			return acr.Credentials{Auth: acr.AuthClientCertificate, TenantID: tenant, ClientID: otherID,
				CertificateFile: file, AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "certificate of another app", refused: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			registered, _ := certificate(t)
			_, file := certificate(t)
			f.acr.AddCertificatePrincipal(tenant, otherID, registered, registrytest.ACRContributor())
			return acr.Credentials{Auth: acr.AuthClientCertificate, TenantID: tenant, ClientID: otherID,
				CertificateFile: file, AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "workload identity", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			file := filepath.Join(t.TempDir(), "azure-identity-token")
			writeFile(t, file, "federated-jwt-from-the-cluster")
			f.acr.AddFederatedPrincipal(tenant, otherID, "federated-jwt-from-the-cluster", registrytest.ACRContributor())
			return acr.Credentials{Auth: acr.AuthWorkloadIdentity, TenantID: tenant, ClientID: otherID,
				FederatedTokenFile: file, AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "azure pipelines service connection", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			uri := f.acr.AddAzurePipelines(tenant, otherID, "sc-42", "job-token", registrytest.ACRContributor())
			t.Setenv("SYSTEM_OIDCREQUESTURI", uri)
			return acr.Credentials{Auth: acr.AuthAzurePipelines, TenantID: tenant, ClientID: otherID,
				ServiceConnectionID: "sc-42", SystemAccessToken: "job-token", AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "azure pipelines with a wrong job token", refused: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			uri := f.acr.AddAzurePipelines(tenant, otherID, "sc-42", "job-token", registrytest.ACRContributor())
			t.Setenv("SYSTEM_OIDCREQUESTURI", uri)
			return acr.Credentials{Auth: acr.AuthAzurePipelines, TenantID: tenant, ClientID: otherID,
				ServiceConnectionID: "sc-42", SystemAccessToken: "stale-token", AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "managed identity", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			t.Setenv("IDENTITY_ENDPOINT", f.acr.EnableManagedIdentity(otherID, "mi-header", registrytest.ACRContributor()))
			t.Setenv("IDENTITY_HEADER", "mi-header")
			return acr.Credentials{Auth: acr.AuthManagedIdentity, ClientID: otherID}
		}},
		{name: "azure cli", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			f.acr.AddFederatedPrincipal(tenant, otherID, "unused", registrytest.ACRContributor())
			fakeAzureCLI(t, f.acr.MintEntraToken(otherID))
			return acr.Credentials{Auth: acr.AuthAzureCLI}
		}},
		{name: "default chain, from AZURE_* variables", exchange: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			t.Setenv("AZURE_TENANT_ID", tenant)
			t.Setenv("AZURE_CLIENT_ID", clientID)
			t.Setenv("AZURE_CLIENT_SECRET", secret)
			return acr.Credentials{AuthorityHost: f.acr.AuthorityHost()}
		}},
		{name: "basic: ACR token", setup: func(t *testing.T, f *fixture) acr.Credentials {
			f.acr.AddBasicUser("prsweep-token", "token-password", registrytest.ACRContributor())
			return acr.Credentials{Auth: acr.AuthBasic, Username: "prsweep-token", Password: "token-password"}
		}},
		{name: "basic: wrong password", refused: true, setup: func(t *testing.T, f *fixture) acr.Credentials {
			f.acr.AddBasicUser("prsweep-token", "token-password", registrytest.ACRContributor())
			return acr.Credentials{Auth: acr.AuthBasic, Username: "prsweep-token", Password: "wrong-" + secret}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			c := f.client(t, tt.setup(t, f), nil)
			tags, err := c.Tags(ctx, "jarvis")
			if tt.refused {
				if !errors.Is(err, registry.ErrUnauthorized) {
					t.Fatalf("listing with a wrong credential: %v, want ErrUnauthorized", err)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the secret is in the error: %v", err)
				}
				return
			}
			if err != nil || len(tags) != 12 {
				t.Fatalf("listing: %d tags, %v", len(tags), err)
			}
			m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
			if err == nil {
				err = c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodUntag)
			}
			if err != nil {
				t.Fatalf("deleting: %v", err)
			}
			if got := f.acr.Count("POST /oauth2/exchange") > 0; got != tt.exchange {
				t.Errorf("exchanged an Entra token: %v, want %v (requests %v)", got, tt.exchange, f.acr.Requests())
			}
		})
	}
}

// certificate makes a self-signed certificate and writes it with its key as PEM.
func certificate(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prsweep"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	file := filepath.Join(t.TempDir(), "sp.pem")
	writeFile(t, file, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))+
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	return cert, file
}

// fakeAzureCLI puts an `az` first on PATH that prints token the way
// `az account get-access-token -o json` does.
func fakeAzureCLI(t *testing.T, token string) {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s' '{\"accessToken\":\"%s\",\"expires_on\":%d,\"tokenType\":\"Bearer\"}'\n",
		token, time.Now().Add(time.Hour).Unix())
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
