package registrytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// recordingTB records what the fake reports instead of failing the test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// acrClient talks to the fake as user, who may do everything, with raw HTTP.
type acrClient struct {
	t    *testing.T
	f    *registrytest.ACR
	http *http.Client
}

func startACR(t *testing.T, tb testing.TB) acrClient {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	f := registrytest.StartACR(tb, backend)
	f.AddBasicUser("user", "pass", registrytest.ACRContributor())
	return acrClient{t, f, trusting(f.CertPEM())}
}

// do sends method path with a token for scope ("" for none) and returns the answer.
func (c acrClient) do(method, path, scope string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, "https://"+c.f.Host()+path, nil)
	if scope != "" {
		treq, _ := http.NewRequest(http.MethodGet, "https://"+c.f.Host()+"/oauth2/token?"+
			url.Values{"service": {c.f.Host()}, "scope": {scope}}.Encode(), nil)
		treq.SetBasicAuth("user", "pass")
		_, body := c.send(treq)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
			c.t.Fatalf("no token for %s: %s", scope, body)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}
	return c.send(req)
}

func (c acrClient) send(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	return exchange(c.t, c.http, req)
}

func TestACRChallenge(t *testing.T) {
	c := startACR(t, t)
	resp, body := c.do(http.MethodGet, "/acr/v1/jarvis/_tags", "")
	want := fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s",scope="repository:jarvis:metadata_read"`, c.f.Host(), c.f.Host())
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want || !strings.Contains(body, `"code":"UNAUTHORIZED"`) {
		t.Errorf("without a token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// A token for another action of the repository does not do.
	if resp, _ := c.do(http.MethodDelete, "/acr/v1/jarvis/_tags/PR3571-test", "repository:jarvis:metadata_read"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.HasSuffix(resp.Header.Get("WWW-Authenticate"), `scope="repository:jarvis:delete"`) {
		t.Errorf("delete with a read token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	c.f.ExpireAccessTokens()
	req, _ := http.NewRequest(http.MethodGet, "https://"+c.f.Host()+"/acr/v1/_catalog", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if resp, _ := c.send(req); !strings.HasSuffix(resp.Header.Get("WWW-Authenticate"), `,error="invalid_token"`) {
		t.Errorf("an unknown token: %q", resp.Header.Get("WWW-Authenticate"))
	}
}

func TestACRTagPaging(t *testing.T) {
	c := startACR(t, t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, img := range registrytest.ClassicSet() {
		c.f.SetCreated(img.Ref(), base.Add(time.Duration(i)*time.Hour))
	}
	for _, orderby := range []string{"", "timedesc", "timeasc"} {
		t.Run("orderby "+orderby, func(t *testing.T) {
			var got []string
			next := "/acr/v1/jarvis/_tags?n=5&orderby=" + orderby
			for pages := 0; next != ""; pages++ {
				if pages > 3 {
					t.Fatal("the Link headers do not end")
				}
				resp, body := c.do(http.MethodGet, next, "repository:jarvis:metadata_read")
				var page struct {
					Tags []struct {
						Name                 string          `json:"name"`
						Digest               string          `json:"digest"`
						ChangeableAttributes map[string]bool `json:"changeableAttributes"`
					} `json:"tags"`
				}
				if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				for _, tag := range page.Tags {
					if !strings.HasPrefix(tag.Digest, "sha256:") || !tag.ChangeableAttributes["deleteEnabled"] {
						t.Errorf("tag attributes %+v", tag)
					}
					got = append(got, tag.Name)
				}
				next = ""
				if l := resp.Header.Get("Link"); l != "" {
					next = l[1:strings.Index(l, ">")]
				}
			}
			var want []string
			for _, img := range registrytest.ClassicSet()[:12] {
				want = append(want, img.Tag)
			}
			switch orderby {
			case "":
				slices.Sort(want)
			case "timedesc":
				slices.Reverse(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags over pages of 5 (-want +got):\n%s", diff)
			}
		})
	}
}

// ACR documents DELETE /v2/…/manifests/<tag> as deleting the image and every tag on
// it; the fake does the same, so a client that uses it for untagging is caught.
func TestACRDeleteByTagTakesEveryTag(t *testing.T) {
	c := startACR(t, t)
	if resp, body := c.do(http.MethodDelete, "/v2/jarvis/manifests/PR3574-test", "repository:jarvis:delete"); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if resp, _ := c.do(http.MethodGet, "/acr/v1/jarvis/_tags/5.32.0-develop", "repository:jarvis:metadata_read"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("5.32.0-develop after deleting PR3574-test by tag: %d, want 404", resp.StatusCode)
	}
}

// The fake fails the test on requests it does not know, and on any PATCH.
func TestACRUnknownRequestsFail(t *testing.T) {
	rec := &recordingTB{TB: t}
	c := startACR(t, rec)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/v2/"},
		{http.MethodPatch, "/acr/v1/jarvis/_tags/PR3571-test"},
		{http.MethodGet, "/v2/jarvis/blobs/sha256:0"},
		{http.MethodDelete, "/acr/v1/jarvis/_manifests"},
	} {
		c.do(r.method, r.path, "")
	}
	if len(rec.errors) != 4 || !strings.Contains(rec.errors[1], "never change attributes") {
		t.Errorf("reported %q, want four failures", rec.errors)
	}
}
