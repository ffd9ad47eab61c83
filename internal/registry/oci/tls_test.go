package oci

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// TLS is verified; caFile adds a private CA; insecure skips the check.
func TestTLS(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	target, _ := url.Parse(backend.URL())
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	defer front.Close()
	host := strings.TrimPrefix(front.URL, "https://")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"unknown CA refused", Options{Scheme: "https"}, false},
		{"caFile trusted", Options{Scheme: "https", CAFile: ca}, true},
		{"insecure skips the check", Options{Scheme: "https", SkipTLSVerify: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(host, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tags, err := c.Tags(context.Background(), "jarvis")
			if tt.ok != (err == nil) {
				t.Errorf("listing over TLS: %d tags, %v; want ok=%v", len(tags), err, tt.ok)
			}
			if !tt.ok && err != nil && !strings.Contains(err.Error(), "certificate") {
				t.Errorf("the refusal does not say why: %v", err)
			}
		})
	}
	if _, err := New(host, Options{CAFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.Contains(err.Error(), "registry.caFile") {
		t.Errorf("a missing caFile: %v", err)
	}
}
