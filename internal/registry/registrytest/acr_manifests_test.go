package registrytest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

type listedEntry struct {
	Digest               string          `json:"digest"`
	MediaType            string          `json:"mediaType"`
	ImageSize            int64           `json:"imageSize"`
	Tags                 []string        `json:"tags"`
	ChangeableAttributes map[string]bool `json:"changeableAttributes"`
	References           []any           `json:"references"`
}

// listManifests follows the Link pages of path and returns every entry and the
// number of pages.
func (c acrClient) listManifests(path string) ([]listedEntry, int) {
	c.t.Helper()
	var all []listedEntry
	pages := 0
	for next := path; next != ""; pages++ {
		if pages > 20 {
			c.t.Fatal("the Link headers do not end")
		}
		resp, body := c.do(http.MethodGet, next, "repository:jarvis:metadata_read")
		var page struct {
			ImageName string        `json:"imageName"`
			Manifests []listedEntry `json:"manifests"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != http.StatusOK || page.ImageName != "jarvis" {
			c.t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
		}
		all = append(all, page.Manifests...)
		next = ""
		if l := resp.Header.Get("Link"); l != "" {
			next = l[1:strings.Index(l, ">")]
		}
	}
	return all, pages
}

// GET /acr/v1/{repo}/_manifests lists every manifest by digest, tagged or not, page
// by page; it leaves out hidden manifests and hidden tags, and an untagged manifest
// stays listed until it is deleted.
func TestACRManifestListing(t *testing.T) {
	c := startACR(t, t)
	all, pages := c.listManifests("/acr/v1/jarvis/_manifests?n=3")
	if pages != 4 || len(all) != 10 {
		t.Fatalf("%d manifests in %d pages, want the 10 images of jarvis in 4", len(all), pages)
	}
	var digests []string
	tags := map[string][]string{}
	for _, e := range all {
		digests = append(digests, e.Digest)
		tags[e.Digest] = e.Tags
		if e.MediaType != "application/vnd.docker.distribution.manifest.v2+json" || e.ImageSize <= 0 ||
			!e.ChangeableAttributes["listEnabled"] || e.References != nil {
			t.Errorf("entry %+v", e)
		}
	}
	if !slices.IsSorted(digests) {
		t.Errorf("not ordered by digest: %v", digests)
	}
	develop := ""
	for d, ts := range tags {
		if slices.Contains(ts, "PR3574-test") {
			develop = d
		}
	}
	if diff := cmp.Diff([]string{"5.32.0-develop", "PR3574-test"}, tags[develop]); diff != "" {
		t.Errorf("the shared image's tags (-want +got):\n%s", diff)
	}

	hidden := registrytest.ACRUnlocked()
	hidden.ListEnabled = false
	c.f.SetTagAttributes("jarvis", "5.32.0-develop", hidden)
	var arm string
	for d, ts := range tags {
		if slices.Equal(ts, []string{"PR3571-test-arm"}) {
			arm = d
		}
	}
	c.f.SetManifestAttributes("jarvis", arm, hidden)
	if resp, body := c.do(http.MethodDelete, "/acr/v1/jarvis/_tags/PR3571-test", "repository:jarvis:delete"); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("untag: %d %s", resp.StatusCode, body)
	}
	all, _ = c.listManifests("/acr/v1/jarvis/_manifests")
	got := map[string][]string{}
	for _, e := range all {
		got[e.Digest] = e.Tags
	}
	if _, ok := got[arm]; ok || len(got) != 9 {
		t.Errorf("%d manifests listed, the hidden one among them: %v", len(got), ok)
	}
	if !slices.Equal(got[develop], []string{"PR3574-test"}) {
		t.Errorf("the shared image lists %v, want the hidden tag left out", got[develop])
	}
	untagged := 0
	for _, ts := range got {
		if ts != nil && len(ts) == 0 {
			untagged++
		}
	}
	if untagged != 1 {
		t.Errorf("%d untagged manifests listed (tags []), want PR3571-test's", untagged)
	}
	// Reading one manifest lists nothing: the hidden tag is there.
	_, body := c.do(http.MethodGet, "/acr/v1/jarvis/_manifests/"+develop, "repository:jarvis:metadata_read")
	if !strings.Contains(body, `"5.32.0-develop"`) {
		t.Errorf("the manifest's own attributes leave out its hidden tag: %s", body)
	}
	if resp, body := c.do(http.MethodGet, "/acr/v1/nope/_manifests", "repository:nope:metadata_read"); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "NAME_UNKNOWN") {
		t.Errorf("a missing repository: %d %s", resp.StatusCode, body)
	}
}
