package httpx

import (
	"strings"
	"testing"
)

func TestParseBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		" https://h.example/api/v4 ":  "",
		"http://localhost:8080":       "",
		"ftp://h.example":             "scheme must be https or http",
		"h.example/api":               "scheme must be https or http",
		"https:///api":                "missing host",
		"https://me:s3cret@h.example": "credentials belong in the token",
		"https://h.example/?a=1":      "unexpected query or fragment",
		"https://h.example/#x":        "unexpected query or fragment",
		"https://me:s3cret@h\x7f":     "malformed",
	} {
		u, err := ParseBaseURL(raw, "test URL")
		switch {
		case want == "" && (err != nil || u.String() != strings.TrimSpace(raw)):
			t.Errorf("%q: %v, %v", raw, u, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want %q", raw, err, want)
		case err != nil && (strings.Contains(err.Error(), "s3cret") || !strings.HasPrefix(err.Error(), "parsing the test URL")):
			t.Errorf("%q: error %q", raw, err)
		}
	}
}
