package httpx

import "strings"

// ghcrKind classifies a request to GitHub's Packages REST API (under any prefix,
// /api/v3 on GitHub Enterprise Server), so the limiter paces and counts the ghcr
// backend's listings and deletions like the registry requests they stand for: the
// owner's container packages (catalog), one package (repository), a package's
// versions (the manifest listing) and one version (a manifest's attributes, or its
// deletion). ok is false for any other path.
func ghcrKind(p string) (k Kind, ok bool) {
	if strings.HasPrefix(p, "/v2/") {
		return "", false // a repository may be named …/packages/…
	}
	if strings.HasSuffix(p, "/packages") && (strings.Contains(p, "/orgs/") || strings.Contains(p, "/users/")) {
		return KindCatalog, true
	}
	_, name, found := strings.Cut(p, "/packages/container/")
	if !found || name == "" {
		return "", false
	}
	if strings.HasSuffix(name, "/versions") {
		return KindManifests, true
	}
	if i := strings.LastIndex(name, "/versions/"); i > 0 && isDigits(name[i+len("/versions/"):]) {
		return KindAttributes, true
	}
	return KindRepository, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
