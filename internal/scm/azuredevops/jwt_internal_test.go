package azuredevops

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestLooksLikeJWT(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	hdr := enc([]byte(`{"typ":"JWT","alg":"RS256"}`))
	body := enc([]byte(`{"aud":"app.vstoken.visualstudio.com"}`))
	sig := enc([]byte("sig"))
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"JWT", hdr + "." + body + "." + sig, true},
		{"JWT with padding", base64.URLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + body + "." + sig, true},
		{"classic PAT", "x7kq2mzv4n6rt8wyb3cf5hj9pd2lg6sa4ek7u3qz8tn5ry2vxm4a", false},
		{"new PAT", strings.Repeat("A", 84), false},
		{"two parts", hdr + "." + body, false},
		{"four parts", hdr + "." + body + "." + sig + "." + sig, false},
		{"empty signature", hdr + "." + body + ".", false},
		{"header not JSON", enc([]byte("hello")) + "." + body + "." + sig, false},
		{"header a JSON array", enc([]byte(`["alg"]`)) + "." + body + "." + sig, false},
		{"header JSON null", enc([]byte(`null`)) + "." + body + "." + sig, false},
		{"not base64url", "a+b/." + body + "." + sig, false},
		{"dotted words", "abc.def.ghi", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeJWT(tt.token); got != tt.want {
				t.Errorf("looksLikeJWT(%q) = %v, want %v", tt.token, got, tt.want)
			}
		})
	}
}

func TestAuthorizationHeader(t *testing.T) {
	tests := []struct {
		name  string
		tt    TokenType
		token string
		want  string
	}{
		{"PAT is Basic with an empty user", PAT, "abc", "Basic " + base64.StdEncoding.EncodeToString([]byte(":abc"))},
		{"Bearer", Bearer, "abc", "Bearer abc"},
		{"Auto on a PAT", Auto, "abc", "Basic OmFiYw=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := authorization(tt.tt, tt.token); got != tt.want {
				t.Errorf("authorization = %q, want %q", got, tt.want)
			}
		})
	}
}
