package sweep_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Safety rules 2 and 9 when a deletion is sent again: the registry's first answer to
// the PR tag's DELETE is a 404 that is not the truth (a proxy's), and meanwhile CI
// promotes the PR's image (latest is pushed onto its digest). The deletion sent again
// after that 404 must not take latest with it: on 2.8, which deletes by digest, the
// PR tag is kept; on v3, which untags, only the PR tag goes.
func TestDeleteAgainKeepsATagPushedMeanwhile(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			d := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "promo", Tag: "PR7300-a", Seed: 91}, {Repo: "promo", Tag: "release", Seed: 92}})
			var first atomic.Bool
			first.Store(true)
			target, _ := url.Parse(srv.URL())
			rp := httputil.NewSingleHostReverseProxy(target)
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/promo/manifests/") &&
					!strings.Contains(r.URL.Path, "prsweep-") && first.CompareAndSwap(true, false) {
					promote(t, srv.URL(), "promo", "PR7300-a", "latest")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusNotFound)
					_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
					return
				}
				rp.ServeHTTP(w, r)
			}))
			t.Cleanup(proxy.Close)
			s := newSweeper(t, strings.TrimPrefix(proxy.URL, "http://"), map[string]string{"7300": "merged"}, "")
			if _, err := s.Run(context.Background(), false); err != nil {
				t.Fatal(err)
			}
			if first.Load() {
				t.Fatal("no deletion was sent in promo")
			}
			want := []string{"promo:PR7300-a", "promo:latest", "promo:release"}
			if kind == "v3" {
				want = []string{"promo:latest", "promo:release"}
			}
			if diff := cmp.Diff(want, remaining(t, srv.Host())); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
			c, err := oci.New(srv.Host(), oci.Options{Scheme: "http"})
			if err != nil {
				t.Fatal(err)
			}
			if m, err := c.Resolve(context.Background(), "promo", "latest"); err != nil || m.Digest != d["promo:PR7300-a"] {
				t.Errorf("latest is %q (%v), want the promoted %s", m.Digest, err, d["promo:PR7300-a"])
			}
		})
	}
}

// promote pushes the manifest of repo:from under tag to, as CI does.
func promote(t *testing.T, base, repo, from, to string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v2/"+repo+"/manifests/"+from, nil)
	for _, mt := range []string{registry.MediaTypeOCIManifest, registry.MediaTypeDockerManifest, registry.MediaTypeOCIIndex, registry.MediaTypeDockerList} {
		req.Header.Add("Accept", mt)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	put, _ := http.NewRequest(http.MethodPut, base+"/v2/"+repo+"/manifests/"+to, bytes.NewReader(raw))
	put.Header.Set("Content-Type", resp.Header.Get("Content-Type"))
	if resp, err := http.DefaultClient.Do(put); err != nil || resp.StatusCode != http.StatusCreated {
		t.Errorf("promoting %s:%s to %s: %v %v", repo, from, to, err, resp)
	}
}
