package httpx

import (
	"net/url"
	"strings"
)

// RedactURL returns u as a string fit for logs and error messages: without
// userinfo or fragment, and with the values of query keys that look like
// secrets (token, access_token, sig, password, key, …) replaced by ***.
// Redirect and pre-signed URLs often carry credentials in the query.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	c.RawQuery = redactQuery(u.RawQuery)
	return c.String()
}

// stripQuery returns u without userinfo, query and fragment: what the retry log
// shows, since even a non-secret query can be personal data.
func stripQuery(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery = "", false
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		key, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if hasValue && secretKey(name) {
			parts[i] = key + "=***"
		}
	}
	return strings.Join(parts, "&")
}

// secretKey reports whether a query key looks like it names a secret. It errs
// on the side of redacting: a hidden harmless value costs nothing.
func secretKey(k string) bool {
	k = strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(k))
	switch k {
	case "sig", "code", "pwd", "pw", "pass", "auth":
		return true
	}
	for _, s := range []string{"token", "secret", "passw", "signature", "credential", "assertion", "key", "authorization"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
