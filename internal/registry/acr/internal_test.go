package acr

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestParseChallenge(t *testing.T) {
	tests := []struct {
		header, realm, service, scope string
		ok                            bool
	}{
		{`Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io",scope="repository:jarvis:pull,delete"`,
			"https://r.azurecr.io/oauth2/token", "r.azurecr.io", "repository:jarvis:pull,delete", true},
		{`Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io",scope="registry:catalog:*",error="invalid_token"`,
			"https://r.azurecr.io/oauth2/token", "r.azurecr.io", "registry:catalog:*", true},
		{`Bearer realm=https://h/token, service=h, scope="repository:a/b:pull"`, "https://h/token", "h", "repository:a/b:pull", true},
		{`Basic realm="x"`, "", "", "", false},
		{`Bearer realm="unterminated`, "", "", "", false},
		{`Bearer service="h"`, "", "h", "", false},
	}
	for _, tt := range tests {
		realm, service, scope, ok := parseChallenge(tt.header)
		if realm != tt.realm || service != tt.service || scope != tt.scope || ok != tt.ok {
			t.Errorf("parseChallenge(%s) = %q %q %q %v", tt.header, realm, service, scope, ok)
		}
	}
}

func TestJWTExpiry(t *testing.T) {
	payload := func(enc *base64.Encoding, s string) string { return "h." + enc.EncodeToString([]byte(s)) + ".sig" }
	tests := []struct {
		token string
		want  time.Time
	}{
		{payload(base64.RawURLEncoding, `{"exp":1900000000}`), time.Unix(1900000000, 0)},
		{payload(base64.StdEncoding, `{"exp":1900000000,"x":"??>>"}`), time.Unix(1900000000, 0)},
		{payload(base64.RawURLEncoding, `{"sub":"x"}`), time.Time{}},
		{"opaque-token", time.Time{}},
	}
	for _, tt := range tests {
		if got := jwtExpiry(tt.token); !got.Equal(tt.want) {
			t.Errorf("jwtExpiry(%s) = %v, want %v", tt.token, got, tt.want)
		}
	}
}

func TestCompact(t *testing.T) {
	in := "ClientSecretCredential authentication failed\n----------\nPOST https://login/x\n\n  RESPONSE 401\n"
	if got, want := compact(in), "ClientSecretCredential authentication failed POST https://login/x RESPONSE 401"; got != want {
		t.Errorf("compact = %q, want %q", got, want)
	}
	long := compact(strings.Repeat("é", 300))
	if !strings.HasSuffix(long, "…") || len(long) > 404 || !strings.HasPrefix(long, "éé") {
		t.Errorf("a long message is not cut on a rune boundary: %d bytes", len(long))
	}
}

func TestPageLinks(t *testing.T) {
	var p pageLinks
	a, b := "/acr/v1/_catalog?last=a", "/acr/v1/_catalog?last=b"
	if p.next(&a, 2) != nil || p.next(&b, 2) != nil || p.next(nil, 1) != nil {
		t.Fatal("a normal listing was refused")
	}
	if p.next(&a, 2) == nil {
		t.Error("a link seen before was followed again")
	}
	var q pageLinks
	if q.next(&a, 0) == nil {
		t.Error("an empty page with a next link was accepted")
	}
}
