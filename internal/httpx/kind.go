package httpx

import (
	"net/http"
	"strings"
)

// Kind is a coarse name for what a request asks of a registry: what the
// limiter counts and paces, and what picks an attempt's time-out.
type Kind string

// The kinds of request. Paths are those of the OCI distribution API (/v2/…)
// and of ACR's own API (/acr/v1/…); a repository name may hold slashes.
const (
	KindPing       Kind = "ping"       // /v2/
	KindToken      Kind = "token"      // a token endpoint (/oauth2/…, …/token): registry, Entra ID, IMDS
	KindCatalog    Kind = "catalog"    // /v2/_catalog, /acr/v1/_catalog
	KindTags       Kind = "tags"       // a tag listing page: /v2/<repo>/tags/list, /acr/v1/<repo>/_tags
	KindTag        Kind = "tag"        // one tag's attributes, or its untag: /acr/v1/<repo>/_tags/<tag>
	KindManifests  Kind = "manifests"  // ACR's manifest listing: /acr/v1/<repo>/_manifests
	KindAttributes Kind = "attributes" // ACR's attributes of one manifest: /acr/v1/<repo>/_manifests/<digest>
	KindManifest   Kind = "manifest"   // /v2/<repo>/manifests/<reference>
	KindBlob       Kind = "blob"       // /v2/<repo>/blobs/…, uploads included
	KindReferrers  Kind = "referrers"  // /v2/<repo>/referrers/<digest>
	KindRepository Kind = "repository" // ACR repository attributes: /acr/v1/<repo>
	KindSource     Kind = "source"     // any request of a source-control adapter
	KindOther      Kind = "other"      // anything else
)

// Key names a counter: a method and a kind, like "HEAD manifest".
type Key struct {
	Method string
	Kind   Kind
}

func (k Key) String() string { return k.Method + " " + string(k.Kind) }

// Classify names what a request to a registry asks: its method and kind. The
// limiter counts by it; the benchmark's meter, on the registry's side, too.
func Classify(req *http.Request) Key {
	m := req.Method
	if m == "" {
		m = http.MethodGet
	}
	return Key{Method: m, Kind: registryKind(req)}
}

// registryKind classifies a request sent to a registry by its path.
func registryKind(req *http.Request) Kind {
	p := req.URL.Path
	if k, ok := gitlabKind(p); ok {
		return k
	}
	if k, ok := ghcrKind(p); ok {
		return k
	}
	switch {
	case p == "/v2/" || p == "/v2":
		return KindPing
	case strings.Contains(p, "/oauth2/") || strings.HasSuffix(p, "/token"):
		return KindToken
	case p == "/v2/_catalog" || p == "/acr/v1/_catalog":
		return KindCatalog
	case strings.HasPrefix(p, "/v2/"):
		return v2Kind(p)
	case strings.HasPrefix(p, "/acr/v1/"):
		return acrKind(p)
	}
	return KindOther
}

func v2Kind(p string) Kind {
	switch {
	case strings.HasSuffix(p, "/tags/list"):
		return KindTags
	case strings.Contains(p, "/manifests/"):
		return KindManifest
	case strings.Contains(p, "/blobs/"):
		return KindBlob
	case strings.Contains(p, "/referrers/"):
		return KindReferrers
	}
	return KindOther
}

func acrKind(p string) Kind {
	switch {
	case strings.HasSuffix(p, "/_tags"):
		return KindTags
	case strings.Contains(p, "/_tags/"):
		return KindTag
	case strings.HasSuffix(p, "/_manifests"):
		return KindManifests
	case strings.Contains(p, "/_manifests/"):
		return KindAttributes
	case strings.Count(strings.TrimSuffix(p, "/"), "/_") == 0:
		return KindRepository
	}
	return KindOther
}

// paced says whether a kind spends the registry's quota: every registry
// operation; not token requests (often another host, another quota).
func paced(k Kind) bool {
	switch k {
	case KindToken, KindSource, KindOther:
		return false
	}
	return true
}

// isWrite says whether a request spends the write quota and gets the write
// time-out: an upload, a deletion; a token request is a read whatever its method.
func isWrite(req *http.Request, k Kind) bool {
	if k == KindToken {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}
