package registrytest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// accept is every manifest media type: a narrower Accept gets another digest (see
// notes/registry-behaviour.md).
const accept = "application/vnd.oci.image.index.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, " +
	"application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.v2+json"

type starter struct {
	name  string
	start func(testing.TB, ...registrytest.Option) *registrytest.Server
}

// registries are the two kinds of server the tests run against.
func registries() []starter {
	return []starter{
		{"v3", registrytest.StartV3},
		{"2.8", registrytest.StartDistribution28},
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

// call sends one request to the registry with every manifest type in Accept and the
// server's credentials.
func call(t *testing.T, s *registrytest.Server, method, path string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if user, pass, ok := s.BasicAuth(); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// headDigest returns the digest the registry reports for repo:ref.
func headDigest(t *testing.T, s *registrytest.Server, repo, ref string) string {
	t.Helper()
	r := call(t, s, http.MethodHead, "/v2/"+repo+"/manifests/"+ref)
	if r.status != http.StatusOK {
		t.Fatalf("HEAD %s:%s: status %d", repo, ref, r.status)
	}
	return r.header.Get("Docker-Content-Digest")
}

// tagsOf returns the tags/list of repo, sorted.
func tagsOf(t *testing.T, s *registrytest.Server, repo string) []string {
	t.Helper()
	r := call(t, s, http.MethodGet, "/v2/"+repo+"/tags/list")
	if r.status != http.StatusOK {
		t.Fatalf("tags/list of %s: status %d: %s", repo, r.status, r.body)
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("tags/list of %s: %v", repo, err)
	}
	slices.Sort(list.Tags)
	return list.Tags
}

// tagsByRepo groups "repo:tag" refs by repository, tags sorted.
func tagsByRepo(refs []string) map[string][]string {
	m := map[string][]string{}
	for _, ref := range refs {
		repo, tag, _ := strings.Cut(ref, ":")
		m[repo] = append(m[repo], tag)
	}
	for _, tags := range m {
		slices.Sort(tags)
	}
	return m
}

func refsOf(images []registrytest.Image) []string {
	var refs []string
	for _, img := range images {
		refs = append(refs, img.Ref())
	}
	slices.Sort(refs)
	return refs
}
