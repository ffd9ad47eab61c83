package acr_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// bigJarvis adds to the classic jarvis (12 tags, 10 images) 190 more tags, an OCI
// index and a Docker manifest list (their children untagged) and an SBOM tagged sbom
// about 5.32.0-develop, which the pusher also lists in the referrers tag
// sha256-<hex> (an OCI index): 206 tags, 208 manifests, 3 of them indexes. 5.32.0-develop
// is delete-locked (its image shares PR3574-test's), and PR3571-test's image
// write-locked.
func bigJarvis(t *testing.T, f *fixture) (idx, list registrytest.SeededIndex) {
	t.Helper()
	ctx := context.Background()
	registrytest.MustSeed(t, f.backend, registrytest.ManyTags("jarvis", "PR", 190))
	var err error
	if idx, err = f.backend.SeedIndex(ctx, "jarvis", "5.33.0-multiarch", []registrytest.Image{
		{Seed: 1, OCI: true}, {Seed: 2, OCI: true, Platform: "linux/arm64"}}, false); err != nil {
		t.Fatal(err)
	}
	if list, err = f.backend.SeedIndex(ctx, "jarvis", "PR3600-list", []registrytest.Image{
		{Seed: 3}, {Seed: 4, Platform: "linux/arm64"}}, false); err != nil {
		t.Fatal(err)
	}
	pushReferrer(t, f.backend, f.digests["jarvis:5.32.0-develop"])
	noDelete, noWrite := registrytest.ACRUnlocked(), registrytest.ACRUnlocked()
	noDelete.DeleteEnabled, noWrite.WriteEnabled = false, false
	f.acr.SetTagAttributes("jarvis", "5.32.0-develop", noDelete)
	f.acr.SetManifestAttributes("jarvis", f.digests["jarvis:PR3571-test"], noWrite)
	return idx, list
}

// The listing costs its pages, the repository's attributes and one read per index:
// no read per tag. It says for every tag what Resolve says (Subject aside, which
// only an index's read gives), and lists the untagged children too.
func TestListManifests(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idx, list := bigJarvis(t, f)
	c := f.client(t, f.spCredentials(), nil)
	tags, err := c.Tags(ctx, "jarvis")
	if err != nil || len(tags) != 206 {
		t.Fatalf("%d tags, %v; want 206", len(tags), err)
	}

	for _, tt := range []struct {
		pageSize, pages int
	}{{0, 1}, {50, 5}} { // 208 manifests and 206 tags
		// A client with its tokens in hand, so that no 401 challenge is counted.
		c := f.client(t, f.spCredentials(), nil, func(o *acr.Options) { o.PageSize = tt.pageSize })
		if _, err := c.Tags(ctx, "jarvis"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Manifest(ctx, "jarvis", idx.Digest); err != nil {
			t.Fatal(err)
		}
		before := len(f.acr.Requests())
		got, err := c.ListManifests(ctx, "jarvis")
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, r := range f.acr.Requests()[before:] {
			counts[r]++
		}
		want := map[string]int{
			"GET /acr/v1/{repo}/_manifests":  tt.pages,
			"GET /acr/v1/{repo}/_tags":       tt.pages,
			"GET /acr/v1/{repo}":             1,
			"GET /v2/{repo}/manifests/{ref}": 3,
		}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("page size %d: requests (-want +got):\n%s", tt.pageSize, diff)
		}
		if len(got) != 208 {
			t.Errorf("page size %d: %d manifests listed, want 208", tt.pageSize, len(got))
		}
	}

	got, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	byTag := map[string]registry.ListedManifest{}
	byDigest := map[string]registry.ListedManifest{}
	for _, e := range got {
		if _, dup := byDigest[e.Digest]; dup || e.Err != nil {
			t.Errorf("%s listed twice, or with an error: %v", e.Digest, e.Err)
		}
		byDigest[e.Digest] = e
		for _, tag := range e.Tags {
			byTag[tag] = e
		}
		if want := len(e.LockedTags) > 0 || e.Digest == f.digests["jarvis:PR3571-test"]; e.Locked != want {
			t.Errorf("%s: Locked %v, want %v", e.Digest, e.Locked, want)
		}
	}
	for i, tag := range tags {
		if strings.HasPrefix(tag, "PR5") && i%20 != 0 {
			continue // the 190 alike: a few do (the fake's per-tag reads are slow)
		}
		m, err := c.Resolve(ctx, "jarvis", tag)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := byTag[tag]
		if !ok {
			t.Errorf("%s is on no listed manifest", tag)
			continue
		}
		if !registry.IsIndex(m.MediaType) {
			m.Subject = ""
		}
		listed := e.Manifest
		listed.Locked = slices.Contains(e.LockedTags, tag)
		if diff := cmp.Diff(m, listed); diff != "" {
			t.Errorf("%s: listed (+) against resolved (-):\n%s", tag, diff)
		}
	}
	if e := byTag["5.32.0-develop"]; !slices.Equal(e.Tags, []string{"5.32.0-develop", "PR3574-test"}) ||
		!slices.Equal(e.LockedTags, []string{"5.32.0-develop"}) {
		t.Errorf("the shared image: tags %v, locked %v; want the release tag locked, the PR tag not", e.Tags, e.LockedTags)
	}
	for _, d := range append(slices.Clone(idx.Children), list.Children...) {
		if e, ok := byDigest[d]; !ok || len(e.Tags) != 0 || e.MediaType == "" {
			t.Errorf("untagged child %s: %+v (listed %v)", d, e, ok)
		}
	}
}

// A repository lock locks every tag and manifest.
func TestListManifestsRepositoryLock(t *testing.T) {
	f := newFixture(t)
	noWrite := registrytest.ACRUnlocked()
	noWrite.WriteEnabled = false
	f.acr.SetRepositoryAttributes("jarvis", noWrite)
	got, err := f.client(t, f.spCredentials(), nil).ListManifests(context.Background(), "jarvis")
	if err != nil || len(got) != 10 {
		t.Fatalf("%d manifests, %v; want 10", len(got), err)
	}
	for _, e := range got {
		if !e.Locked || !slices.Equal(e.Tags, e.LockedTags) || len(e.Tags) == 0 {
			t.Errorf("%s: locked %v, tags %v, locked tags %v; want all locked", e.Digest, e.Locked, e.Tags, e.LockedTags)
		}
	}
}

// faulty answers the requests fail picks with status (500 when 0; fail may also
// change the registry first) and lets rewrite change answers.
type faulty struct {
	next    http.RoundTripper
	fail    func(*http.Request) bool
	status  int
	rewrite func(*http.Request, *http.Response)
}

func (f faulty) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.fail != nil && f.fail(r) {
		status := f.status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status),
			Header: http.Header{"Content-Type": {"application/json"}}, Request: r, ProtoMajor: 1, ProtoMinor: 1,
			Body: http.NoBody}, nil
	}
	resp, err := f.next.RoundTrip(r)
	if err == nil && f.rewrite != nil {
		f.rewrite(r, resp)
	}
	return resp, err
}

func withFaults(fail func(*http.Request) bool, rewrite func(*http.Request, *http.Response)) func(*acr.Options) {
	return func(o *acr.Options) {
		o.PageSize = 3
		o.Transport = faulty{next: o.Transport, fail: fail, rewrite: rewrite}
	}
}

// A page that fails (after the retries) fails the listing, and so does a Link that
// leads back to a page already read; an index that cannot be read holds everything.
func TestListManifestsFailures(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idx, err := f.backend.SeedIndex(ctx, "jarvis", "5.33.0-multiarch", []registrytest.Image{
		{Seed: 1, OCI: true}, {Seed: 2, OCI: true, Platform: "linux/arm64"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	secondPage := func(path string) func(*http.Request) bool {
		return func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, path) && r.URL.Query().Get("last") != ""
		}
	}
	for name, opt := range map[string]func(*acr.Options){
		"a manifest page fails": withFaults(secondPage("/_manifests"), nil),
		"a tag page fails":      withFaults(secondPage("/_tags"), nil),
		"the Link goes round": withFaults(nil, func(r *http.Request, resp *http.Response) {
			if strings.HasSuffix(r.URL.Path, "/_manifests") && resp.Header.Get("Link") != "" {
				resp.Header.Set("Link", `</acr/v1/jarvis/_manifests?last=sha256%3A0&n=3>; rel="next"`)
			}
		}),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := f.client(t, f.spCredentials(), nil, opt).ListManifests(ctx, "jarvis")
			if err == nil {
				t.Errorf("listed %d manifests, want an error", len(got))
			}
		})
	}

	c := f.client(t, f.spCredentials(), nil, withFaults(func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/manifests/"+idx.Digest)
	}, nil))
	got, err := c.ListManifests(ctx, "jarvis")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if (e.Err != nil) != (e.Digest == idx.Digest) {
			t.Errorf("%s: Err %v; want it set for the unreadable index only", e.Digest, e.Err)
		}
	}
}
