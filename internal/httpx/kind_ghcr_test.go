package httpx

import (
	"net/http"
	"testing"
)

func TestGHCRKind(t *testing.T) {
	for _, c := range []struct {
		method, url string
		kind        Kind
		write       bool
	}{
		{"GET", "https://api.github.com/orgs/contoso/packages?package_type=container&per_page=100", KindCatalog, false},
		{"GET", "https://ghes.test/api/v3/users/octo/packages?package_type=container", KindCatalog, false},
		{"GET", "https://api.github.com/orgs/contoso/packages/container/team%2Fapp", KindRepository, false},
		{"GET", "https://api.github.com/orgs/contoso/packages/container/team%2Fapp/versions?per_page=100&page=2", KindManifests, false},
		{"GET", "https://api.github.com/users/octo/packages/container/app/versions/123", KindAttributes, false},
		{"DELETE", "https://api.github.com/orgs/contoso/packages/container/app/versions/123", KindAttributes, true},
		{"GET", "https://api.github.com/users/octo", KindOther, false},
		{"GET", "https://ghcr.io/token?scope=repository:contoso/app:pull&service=ghcr.io", KindToken, false},
		{"HEAD", "https://ghcr.io/v2/contoso/packages/container/x/manifests/pr-1", KindManifest, false},
	} {
		req, _ := http.NewRequest(c.method, c.url, nil)
		k := registryKind(req)
		if k != c.kind || isWrite(req, k) != c.write {
			t.Errorf("%s %s: kind %s, write %v; want %s, %v", c.method, c.url, k, isWrite(req, k), c.kind, c.write)
		}
	}
}
