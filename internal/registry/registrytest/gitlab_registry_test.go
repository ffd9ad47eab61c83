package registrytest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// glClient talks to the GitLab fake with raw HTTP.
type glClient struct {
	t    *testing.T
	f    *registrytest.GitLab
	http *http.Client
}

func startGitLab(t *testing.T, tb testing.TB, opts ...registrytest.GitLabOption) glClient {
	backend := registrytest.StartV3(t)
	var images []registrytest.Image
	for _, img := range registrytest.ClassicSet() {
		img.Repo = "team/app/" + img.Repo
		images = append(images, img)
	}
	registrytest.MustSeed(t, backend, images)
	f := registrytest.StartGitLab(tb, backend, opts...)
	f.AddProject("team/app")
	f.AddToken("tok", registrytest.GitLabDeveloper())
	return glClient{t, f, trusting(f.CertPEM())}
}

// do sends method path (under GitLab's URL) with token ("" for none).
func (c glClient) do(method, path, token string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.f.URL()+path, nil)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, body := exchange(c.t, c.http, req)
	return resp, strings.TrimSpace(body)
}

func TestGitLabAnswersAsDocumented(t *testing.T) {
	c := startGitLab(t, t)
	const repos = "/api/v4/projects/team%2Fapp/registry/repositories"
	if resp, body := c.do(http.MethodGet, repos, ""); resp.StatusCode != 401 || body != `{"message":"401 Unauthorized"}` {
		t.Errorf("no token: %d %s", resp.StatusCode, body)
	}
	resp, body := c.do(http.MethodGet, repos+"?per_page=2", "tok")
	if resp.StatusCode != 200 || resp.Header.Get("X-Total") != "3" || resp.Header.Get("X-Next-Page") != "2" ||
		!strings.Contains(resp.Header.Get("Link"), `rel="next"`) || !strings.Contains(body, `"path":"team/app/jarvis"`) {
		t.Errorf("repositories: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp, body := c.do(http.MethodGet, "/api/v4/projects/team%2Fnope/registry/repositories", "tok"); resp.StatusCode != 404 || body != `{"message":"404 Project Not Found"}` {
		t.Errorf("unknown project: %d %s", resp.StatusCode, body)
	}
	// Repository ids are handed out in path order from 1000: jarvis is 1000.
	if resp, body := c.do(http.MethodGet, "/api/v4/projects/100/registry/repositories/1000/tags/nope", "tok"); resp.StatusCode != 404 || body != `{"message":"404 Tag Not Found"}` {
		t.Errorf("unknown tag: %d %s", resp.StatusCode, body)
	}
	resp, body = c.do(http.MethodGet, "/api/v4/projects/100/registry/repositories/1000/tags/5.32.0-develop", "tok")
	if resp.StatusCode != 200 || !strings.Contains(body, `"digest":"sha256:`) || !strings.Contains(body, `"total_size":`) {
		t.Errorf("tag details: %d %s", resp.StatusCode, body)
	}
	c.f.Throttle("5")
	if resp, _ := c.do(http.MethodGet, repos, "tok"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("throttled: %d %v", resp.StatusCode, resp.Header)
	}
}

// The fake fails the test on what it does not know, the bulk tag deletion among them.
func TestGitLabFailsOnUnknownRequests(t *testing.T) {
	rec := &recordingTB{TB: t}
	c := startGitLab(t, rec)
	c.do(http.MethodDelete, "/api/v4/projects/100/registry/repositories/1000/tags?name_regex_delete=.*", "tok")
	c.do(http.MethodGet, "/api/v4/projects/100/merge_requests", "tok")
	if len(rec.errors) != 2 {
		t.Errorf("the fake reported %q; want the bulk delete and the unknown route", rec.errors)
	}
}
