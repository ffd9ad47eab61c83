package registrytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// The memory registry deletes the way distribution v3 does: a tag alone, or a
// manifest with every tag on it.
func TestMemoryDeletes(t *testing.T) {
	srv, mem := registrytest.NewMemory()
	t.Cleanup(func() { _ = srv.Close() })
	digests := registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	shared := digests["jarvis:5.32.0-develop"]

	if got := memDo(t, http.MethodDelete, srv.URL()+"/v2/jarvis/manifests/PR3574-test"); got != http.StatusAccepted {
		t.Fatalf("DELETE of a tag: HTTP %d, want 202", got)
	}
	tags := mem.Tags("jarvis")
	if _, ok := tags["PR3574-test"]; ok || tags["5.32.0-develop"] != shared {
		t.Errorf("after deleting PR3574-test: %v; want it gone and 5.32.0-develop kept", tags)
	}
	if got := memDo(t, http.MethodDelete, srv.URL()+"/v2/jarvis/manifests/PR3574-test"); got != http.StatusNotFound {
		t.Errorf("DELETE of a deleted tag: HTTP %d, want 404", got)
	}
	if got := memDo(t, http.MethodDelete, srv.URL()+"/v2/jarvis/manifests/"+digests["jarvis:PR3574-test-arm"]); got != http.StatusAccepted {
		t.Fatalf("DELETE of a digest: HTTP %d, want 202", got)
	}
	tags = mem.Tags("jarvis")
	for _, gone := range []string{"PR3574-test-arm", "5.32.0-develop-arm"} {
		if _, ok := tags[gone]; ok {
			t.Errorf("after deleting their digest, %s is still tagged", gone)
		}
	}
	if mem.HasManifest("jarvis", digests["jarvis:PR3574-test-arm"]) || !mem.HasManifest("jarvis", shared) {
		t.Error("the digest DELETE removed the wrong manifest")
	}
}

// Listings page the way distribution v3 does: a Link after every full page, so
// 2×n tags end with an empty page; no n lists every tag.
func TestMemoryPages(t *testing.T) {
	srv, mem := registrytest.NewMemory()
	t.Cleanup(func() { _ = srv.Close() })
	cfg := mem.PutBlob("r", []byte("{}"))
	for i := range 10 {
		body := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":2},"layers":[],"annotations":{"n":"%d"}}`, cfg, i)
		if _, err := mem.PutManifest("r", fmt.Sprintf("t%02d", i), "application/vnd.oci.image.manifest.v1+json", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	for next := "/v2/r/tags/list?n=5"; next != ""; {
		tags, link := memList(t, srv.URL()+next)
		pages, next = append(pages, tags), link
	}
	want := [][]string{{"t00", "t01", "t02", "t03", "t04"}, {"t05", "t06", "t07", "t08", "t09"}, {}}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages of 5: %v, want %v", pages, want)
	}
	if all, link := memList(t, srv.URL()+"/v2/r/tags/list"); len(all) != 10 || link != "" {
		t.Errorf("without n: %d tags, link %q; want 10 and none", len(all), link)
	}
	if _, err := mem.PutManifest("r", "bad", "application/vnd.oci.image.manifest.v1+json",
		[]byte(`{"config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}`)); err == nil {
		t.Error("a manifest whose config blob is missing was accepted")
	}
}

func memDo(t *testing.T, method, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func memList(t *testing.T, url string) (tags []string, next string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Tags []string }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if l := resp.Header.Get("Link"); l != "" {
		next = l[1:strings.Index(l, ">")]
	}
	return slices.Concat([]string{}, page.Tags), next
}
