package registrytest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// ghcrClient talks to the GHCR fake with raw HTTP and a classic token.
type ghcrClient struct {
	t    *testing.T
	f    *registrytest.GHCR
	http *http.Client
}

func startGHCR(t *testing.T, tb testing.TB) ghcrClient {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	registrytest.MustSeed(t, backend, []registrytest.Image{{Repo: "team/app", Tag: "pr-1", Seed: 1}, {Repo: "team/app", Tag: "latest", Seed: 2}})
	f := registrytest.StartGHCR(tb, backend, "Contoso")
	f.AddClassicToken("tok", "read:packages", "delete:packages")
	return ghcrClient{t, f, trusting(f.CertPEM())}
}

func (c ghcrClient) do(method, url string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	return exchange(c.t, c.http, req)
}

func TestGHCRFakeAPI(t *testing.T) {
	c := startGHCR(t, t)
	base := c.f.APIURL() + "/orgs/contoso/packages"
	resp, body := c.do("GET", base+"?package_type=container&per_page=2")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Link"), `page=2>; rel="next"`) {
		t.Errorf("packages page 1: %d %s, Link %q", resp.StatusCode, body, resp.Header.Get("Link"))
	}
	if resp.Header.Get("X-OAuth-Scopes") != "read:packages, delete:packages" || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("headers: %v", resp.Header)
	}
	resp, body = c.do("GET", base+"/container/team%2Fapp/versions")
	var versions []struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		Metadata struct {
			Container struct {
				Tags []string `json:"tags"`
			} `json:"container"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(body), &versions); err != nil || resp.StatusCode != http.StatusOK || len(versions) != 2 {
		t.Fatalf("versions of team/app: %d %s", resp.StatusCode, body)
	}
	resp, body = c.do("GET", base+"/container/nope")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"documentation_url"`) {
		t.Errorf("a missing package: %d %s", resp.StatusCode, body)
	}
	// The last tagged version of a package is refused; the other goes.
	var pr, latest int64
	for _, v := range versions {
		switch v.Metadata.Container.Tags[0] {
		case "pr-1":
			pr = v.ID
		case "latest":
			latest = v.ID
		}
	}
	if resp, _ := c.do("DELETE", base+"/container/team%2Fapp/versions/"+itoa(pr)); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE of pr-1's version: %d", resp.StatusCode)
	}
	resp, body = c.do("DELETE", base+"/container/team%2Fapp/versions/"+itoa(latest))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "last tagged version") {
		t.Errorf("DELETE of the last tagged version: %d %s", resp.StatusCode, body)
	}
}

// A request the fake does not know fails the test: a package name whose slash is
// not encoded, a DELETE through the OCI API.
func TestGHCRFakeUnknownRequests(t *testing.T) {
	rec := &recordingTB{TB: t}
	c := startGHCR(t, rec)
	c.do("GET", c.f.APIURL()+"/orgs/contoso/packages/container/team/app/versions")
	c.do("DELETE", "https://"+c.f.Host()+"/v2/contoso/jarvis/manifests/latest")
	if len(rec.errors) != 2 {
		t.Errorf("the fake reported %q; want both requests", rec.errors)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
