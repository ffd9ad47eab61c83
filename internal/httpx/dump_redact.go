package httpx

import (
	"bytes"
	"encoding/json"
	"mime"
	"regexp"
	"strings"
)

// jwt matches anything shaped like a JSON Web Token (header.payload.signature):
// Entra and registry access tokens, client assertions.
var jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// secretWords are the parts of a field name that mark its value as a secret in a
// body that could not be parsed (cut at the limit, or not JSON at all).
const secretWords = `[A-Za-z0-9_.-]*(?:token|secret|passw|assertion|credential|api[_-]?key|private[_-]?key|access[_-]?key|signature)[A-Za-z0-9_.-]*|pwd|sig`

var (
	// jsonField matches "name": "value" (the value possibly cut off at the end).
	jsonField = regexp.MustCompile(`(?i)("(?:` + secretWords + `)"\s*:\s*)"(?:[^"\\]|\\.)*("|\\?$)`)
	// formField matches name=value in a form, a query or plain text.
	formField = regexp.MustCompile(`(?i)(\b(?:` + secretWords + `)\s*[=:]\s*)[^&\s"',;}]+`)
	// credential matches an Authorization value quoted in text.
	credential = regexp.MustCompile(`(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}`)
)

// redactBody returns a textual body with every secret it can recognise shown as
// ***. JSON is parsed and the values of secret fields replaced; a form is
// redacted by field name; what parses as neither (or was cut) is redacted by
// pattern. The text patterns and the JWT shape are applied to every result.
func redactBody(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	s := string(body)
	parsed := false
	switch {
	case mt == "application/x-www-form-urlencoded":
		s = redactQuery(strings.TrimSpace(s))
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || json.Valid(body):
		s, parsed = redactJSON(body)
		if !parsed {
			s = string(body)
		}
	}
	if !parsed {
		s = jsonField.ReplaceAllString(s, `$1"***"`)
	}
	s = formField.ReplaceAllString(s, `${1}***`)
	s = credential.ReplaceAllString(s, `$1 ***`)
	return jwt.ReplaceAllString(s, "***")
}

// redactJSON re-encodes a complete JSON document with the values of secret
// fields, at any depth, replaced by "***". ok is false when body is not one
// complete JSON document.
func redactJSON(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "", false
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactValue(v)); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

func redactValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if jsonSecretKey(k) {
				v[k] = "***"
			} else {
				v[k] = redactValue(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = redactValue(x)
		}
	}
	return v
}

// jsonSecretKey reports whether a JSON field holds a secret. It is narrower
// than secretKey for query keys: a registry error's "code" and ADO's "typeKey"
// are what a debugging user needs to see.
func jsonSecretKey(k string) bool {
	k = strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(k))
	switch k {
	case "tokentype":
		return false
	case "pwd", "pw", "pass", "sig", "auth", "authorization", "key", "cookie":
		return true
	}
	for _, s := range []string{"token", "secret", "passw", "assertion", "credential", "signature", "apikey", "privatekey", "accesskey"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
