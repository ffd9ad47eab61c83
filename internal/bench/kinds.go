package bench

import (
	"net/http"
	"strings"
)

// The kinds of request the meters count.
const (
	KindPing           = "ping /v2/"
	KindCatalog        = "catalog"
	KindTagsList       = "tags list"
	KindManifestHead   = "manifest HEAD"
	KindManifestGet    = "manifest GET"
	KindManifestPut    = "manifest PUT"
	KindManifestDelete = "manifest DELETE"
	KindBlob           = "blob"
	KindReferrers      = "referrers"
	KindToken          = "token"
	KindACRCatalog     = "acr catalog"
	KindACRRepository  = "acr repository"
	KindACRTagsList    = "acr tags list"
	KindACRTagGet      = "acr tag GET"
	KindACRTagDelete   = "acr tag DELETE (untag)"
	KindACRManifests   = "acr manifests list"
	KindACRManifestGet = "acr manifest GET"
	KindPR             = "PR GET"
	KindEntra          = "entra"
)

// kindOrder is the order of the kinds in the report; others follow, sorted.
var kindOrder = []string{KindPing, KindToken, KindCatalog, KindTagsList, KindManifestHead, KindManifestGet,
	KindManifestPut, KindManifestDelete, KindBlob, KindReferrers, KindACRCatalog, KindACRRepository,
	KindACRTagsList, KindACRManifests, KindACRTagGet, KindACRManifestGet, KindACRTagDelete, KindPR, KindEntra}

// registryKind classifies a request to a registry (/v2, and ACR's /acr/v1 and
// /oauth2).
func registryKind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case p == "/v2/" || p == "/v2":
		return KindPing
	case p == "/v2/_catalog":
		return KindCatalog
	case strings.HasPrefix(p, "/oauth2/"):
		return KindToken
	case strings.HasPrefix(p, "/acr/v1/"):
		return acrKind(r.Method, strings.TrimPrefix(p, "/acr/v1/"))
	case !strings.HasPrefix(p, "/v2/"):
	case strings.HasSuffix(p, "/tags/list"):
		return KindTagsList
	case strings.Contains(p, "/manifests/"):
		switch r.Method {
		case http.MethodHead:
			return KindManifestHead
		case http.MethodGet:
			return KindManifestGet
		case http.MethodPut:
			return KindManifestPut
		case http.MethodDelete:
			return KindManifestDelete
		}
	case strings.Contains(p, "/blobs/"):
		return KindBlob
	case strings.Contains(p, "/referrers/"):
		return KindReferrers
	}
	return "other " + r.Method
}

func acrKind(method, rest string) string {
	switch {
	case rest == "_catalog":
		return KindACRCatalog
	case strings.HasSuffix(rest, "/_tags"):
		return KindACRTagsList
	case strings.Contains(rest, "/_tags/") && method == http.MethodDelete:
		return KindACRTagDelete
	case strings.Contains(rest, "/_tags/"):
		return KindACRTagGet
	case strings.HasSuffix(rest, "/_manifests"):
		return KindACRManifests
	case strings.Contains(rest, "/_manifests/"):
		return KindACRManifestGet
	case method == http.MethodGet:
		return KindACRRepository
	}
	return "other acr " + method
}

// sourceKind classifies a request to Azure DevOps.
func sourceKind(r *http.Request) string {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/_apis/git/pullrequests/") {
		return KindPR
	}
	return "other " + r.Method
}

// authorityKind classifies a request to the Entra authority.
func authorityKind(*http.Request) string { return KindEntra }
