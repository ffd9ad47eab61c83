package bench

import (
	"net/http"
	"strings"

	"github.com/prsweep/prsweep/internal/httpx"
)

// The kinds of request the meters count: httpx's classification (what prsweep's
// own limiter counts), with the method where it tells requests apart.
const (
	KindPing           = string(httpx.KindPing)
	KindToken          = string(httpx.KindToken)
	KindCatalog        = string(httpx.KindCatalog)
	KindTagsList       = string(httpx.KindTags)
	KindManifestHead   = http.MethodHead + " " + string(httpx.KindManifest)
	KindManifestGet    = http.MethodGet + " " + string(httpx.KindManifest)
	KindManifestPut    = http.MethodPut + " " + string(httpx.KindManifest)
	KindManifestDelete = http.MethodDelete + " " + string(httpx.KindManifest)
	KindBlob           = string(httpx.KindBlob)
	KindReferrers      = string(httpx.KindReferrers)
	KindACRRepository  = "acr " + string(httpx.KindRepository)
	KindACRManifests   = "acr " + string(httpx.KindManifests)
	KindACRManifestGet = "acr manifest " + string(httpx.KindAttributes)
	KindACRTagGet      = "acr GET " + string(httpx.KindTag)
	KindACRTagDelete   = "acr DELETE " + string(httpx.KindTag) + " (untag)"
	KindPR             = "PR GET"
	KindEntra          = "entra"
)

// kindOrder is the order of the kinds in the report; others follow, sorted.
var kindOrder = []string{KindPing, KindToken, KindCatalog, KindTagsList, KindManifestHead, KindManifestGet,
	KindManifestPut, KindManifestDelete, KindBlob, KindReferrers, KindACRRepository,
	KindACRManifests, KindACRTagGet, KindACRManifestGet, KindACRTagDelete, KindPR, KindEntra}

// registryKind classifies a request to a registry (/v2, and ACR's /acr/v1 and
// /oauth2) by httpx.Classify.
func registryKind(r *http.Request) string {
	k := httpx.Classify(r)
	switch k.Kind {
	case httpx.KindManifest:
		return k.String()
	case httpx.KindTag:
		if k.Method == http.MethodDelete {
			return KindACRTagDelete
		}
		return KindACRTagGet
	case httpx.KindRepository:
		return KindACRRepository
	case httpx.KindManifests:
		return KindACRManifests
	case httpx.KindAttributes:
		return KindACRManifestGet
	case httpx.KindOther:
		return "other " + k.Method
	}
	return string(k.Kind)
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
