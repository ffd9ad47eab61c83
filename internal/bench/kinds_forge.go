package bench

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/prsweep/prsweep/internal/httpx"
)

// Kinds of the forges' API requests, beside the OCI kinds (KindPing, KindToken,
// KindManifest…, KindBlob) their registries also serve.
const (
	KindGHCRPackages      = "ghcr packages"       // the owner's container packages (the catalog)
	KindGHCRVersions      = "ghcr versions"       // a package's versions (tags and digests)
	KindGHCRVersionGet    = "ghcr GET version"    // one version
	KindGHCRVersionDelete = "ghcr DELETE version" // a version's deletion (its manifest and every tag on it)
	KindGitLabRepos       = "gitlab repositories" // a project's registry repositories (the catalog)
	KindGitLabTags        = "gitlab tags"         // a repository's tags (names only)
	KindGitLabTagGet      = "gitlab GET tag"      // one tag's details (digest, created_at)
	KindGitLabTagDelete   = "gitlab DELETE tag"   // one tag's deletion (the tag alone)
	KindGraphQL           = "GraphQL query"       // GitHub: many pull requests per query
	KindMRList            = "merge-request list"  // GitLab: many merge requests per request (iids[])
	kindForgeOther        = "other forge API"     // the token's and the project's checks
)

// forgeRegistryKind classifies a request to a forge's registry or its API.
func forgeRegistryKind(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/v2/") || strings.HasSuffix(r.URL.Path, "/jwt/auth") || r.URL.Path == "/token" {
		return registryKind(r)
	}
	k := httpx.Classify(r)
	if strings.Contains(r.URL.Path, "/api/v4/") {
		switch k.Kind {
		case httpx.KindCatalog:
			return KindGitLabRepos
		case httpx.KindTags:
			return KindGitLabTags
		case httpx.KindTag:
			if r.Method == http.MethodDelete {
				return KindGitLabTagDelete
			}
			return KindGitLabTagGet
		}
		return kindForgeOther + " " + r.Method
	}
	switch k.Kind {
	case httpx.KindCatalog:
		return KindGHCRPackages
	case httpx.KindManifests:
		return KindGHCRVersions
	case httpx.KindAttributes:
		if r.Method == http.MethodDelete {
			return KindGHCRVersionDelete
		}
		return KindGHCRVersionGet
	}
	return kindForgeOther + " " + r.Method
}

var (
	ghPull = regexp.MustCompile(`/repos/[^/]+/[^/]+/pulls/\d+$`)
	glMR   = regexp.MustCompile(`/merge_requests/\d+$`)
)

// forgeSourceKind classifies a request to GitHub's or GitLab's pull requests: a
// read of one (KindPR, counted as a distinct pull request) or of many.
func forgeSourceKind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/graphql"):
		return KindGraphQL
	case r.Method == http.MethodGet && (ghPull.MatchString(p) || glMR.MatchString(p)):
		return KindPR
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/merge_requests"):
		return KindMRList
	}
	return "other " + r.Method
}
