package httpx

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// secretFields are field names whose values the dump must never show.
var secretFields = []string{"access_token", "refresh_token", "token", "password", "client_secret",
	"client_assertion", "id_token", "apiKey", "X-Amz-Signature", "sig"}

// FuzzRedactBody: whatever else a JSON, form or text body holds, and wherever it
// is cut, the value of a secret field is not in what the dump shows.
func FuzzRedactBody(f *testing.F) {
	f.Add(uint8(0), "s3cr3tValue", "visible", uint8(0), uint8(0))
	f.Add(uint8(4), "abcdefgh12", `{"nested":"x"}`, uint8(1), uint8(3))
	f.Add(uint8(5), "eyJhbGciOiJIUzI1NiJ9", "a&b=c", uint8(2), uint8(0))
	f.Add(uint8(9), "ffffffffffff", "sig", uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, field uint8, value, other string, shape, cut uint8) {
		key := secretFields[int(field)%len(secretFields)]
		if len(value) < 8 || strings.Trim(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Skip("a secret worth the name: 8 or more letters and digits")
		}
		build := func(v string) (string, []byte) {
			switch shape % 3 {
			case 0:
				b, _ := json.Marshal(map[string]any{"other": other, key: v, "list": []any{other, map[string]string{key: v}}})
				return "application/json", b
			case 1:
				return "application/x-www-form-urlencoded", []byte(url.Values{"other": {other}, key: {v}}.Encode())
			}
			return "text/plain", []byte(other + " " + key + "=" + v + "; " + key + ": " + v)
		}
		// Where the value occurs without being the secret (in the other text, in
		// a field name), the test cannot tell a leak: skip.
		if _, without := build(strings.Repeat("#", len(value))); strings.Contains(string(without), value[:len(value)-1]) {
			t.Skip("the value is part of the rest of the body")
		}
		contentType, body := build(value)
		if c := int(cut) % 4; c > 0 && len(body) > c { // a body cut at the limit
			body = body[:len(body)-c]
		}
		if got := redactBody(contentType, body); strings.Contains(got, value) {
			t.Fatalf("%s body %q shows %q:\n%s", contentType, body, value, got)
		}
	})
}
