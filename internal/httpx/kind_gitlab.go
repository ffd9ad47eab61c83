package httpx

import "strings"

// gitlabKind classifies a request to GitLab's REST API (/api/v4/…, under any
// prefix a self-managed instance adds) and its registry token endpoint
// (/jwt/auth), so the limiter paces and counts them like the /v2 requests they
// stand for. ok is false for any other path.
func gitlabKind(p string) (k Kind, ok bool) {
	if strings.HasPrefix(p, "/v2/") {
		return "", false // a repository may be named …/api/v4/…
	}
	if strings.HasSuffix(p, "/jwt/auth") {
		return KindToken, true
	}
	i := strings.Index(p, "/api/v4/")
	if i < 0 {
		return "", false
	}
	p = p[i+len("/api/v4"):]
	switch {
	case strings.HasSuffix(p, "/registry/repositories"):
		return KindCatalog, true
	case strings.Contains(p, "/registry/repositories/") && strings.HasSuffix(p, "/tags"):
		return KindTags, true
	case strings.Contains(p, "/registry/repositories/") && strings.Contains(p, "/tags/"):
		return KindTag, true
	}
	return KindOther, true
}
