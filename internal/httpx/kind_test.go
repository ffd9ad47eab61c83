package httpx

import (
	"net/http"
	"testing"
)

func TestRegistryKind(t *testing.T) {
	for _, c := range []struct {
		method, url string
		kind        Kind
		write       bool
	}{
		{"GET", "https://r.test/v2/", KindPing, false},
		{"GET", "https://r.test/v2/_catalog?n=1000", KindCatalog, false},
		{"GET", "https://r.test/v2/team/app/tags/list?n=1000&last=x", KindTags, false},
		{"HEAD", "https://r.test/v2/team/app/manifests/pr-1", KindManifest, false},
		{"GET", "https://r.test/v2/app/manifests/sha256-abc", KindManifest, false},
		{"PUT", "https://r.test/v2/app/manifests/prsweep-1", KindManifest, true},
		{"DELETE", "https://r.test/v2/app/manifests/sha256:abc", KindManifest, true},
		{"GET", "https://r.test/v2/app/blobs/sha256:abc", KindBlob, false},
		{"POST", "https://r.test/v2/app/blobs/uploads/", KindBlob, true},
		{"GET", "https://r.test/v2/app/referrers/sha256:abc", KindReferrers, false},
		{"GET", "https://r.test/acr/v1/_catalog", KindCatalog, false},
		{"GET", "https://r.test/acr/v1/team/app/_tags", KindTags, false},
		{"GET", "https://r.test/acr/v1/team/app/_tags/pr-1", KindTag, false},
		{"DELETE", "https://r.test/acr/v1/team/app/_tags/pr-1", KindTag, true},
		{"GET", "https://r.test/acr/v1/team/app/_manifests", KindManifests, false},
		{"GET", "https://r.test/acr/v1/team/app/_manifests/sha256:abc", KindAttributes, false},
		{"GET", "https://r.test/acr/v1/team/app", KindRepository, false},
		{"POST", "https://r.test/oauth2/exchange", KindToken, false},
		{"GET", "https://r.test/oauth2/token?scope=x", KindToken, false},
		{"POST", "https://login.microsoftonline.com/t/oauth2/v2.0/token", KindToken, false},
		{"GET", "https://auth.docker.io/token?service=x", KindToken, false},
		{"GET", "https://r.test/somewhere", KindOther, false},
	} {
		req, _ := http.NewRequest(c.method, c.url, nil)
		k := registryKind(req)
		if k != c.kind || isWrite(req, k) != c.write {
			t.Errorf("%s %s: kind %s, write %v; want %s, %v", c.method, c.url, k, isWrite(req, k), c.kind, c.write)
		}
	}
}
