package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// handSet is one repository whose outcome and minimal counts are worked out by
// hand: PR 1 merged, 2 open, 3 closed, 4 missing.
func handSet() *Dataset {
	m := func(d string, children ...string) Manifest { return Manifest{Digest: d, Children: children} }
	r := Repo{Name: "r",
		Manifests: []Manifest{m("L"), m("R"), m("A"), m("B"), m("c1"), m("c2"), m("C", "c1", "c2"), m("S"), m("D"), m("S2")},
		Tags: []Tag{
			{Name: "latest", Digest: "L"},
			{Name: "5.0", Digest: "R"},
			{Name: "PR1-a", Digest: "A", PR: 1},            // goes
			{Name: "PR1-b", Digest: "R", PR: 1},            // goes; its image stays with 5.0
			{Name: "PR2-a", Digest: "B", PR: 2},            // open
			{Name: "PR3-m", Digest: "C", PR: 3},            // an index; goes
			{Name: "sha256-A.sig", Digest: "S", Sig: "A"},  // goes with A
			{Name: "PR4-a", Digest: "D", PR: 4},            // missing: stays
			{Name: "sha256-R.sig", Digest: "S2", Sig: "R"}, // R stays: so does its signature
		}}
	return &Dataset{Repos: []Repo{r}, PRs: map[int]State{1: Merged, 2: Open, 3: Closed, 4: Missing}}
}

func TestExpect(t *testing.T) {
	e := Expect(handSet(), false)
	if diff := cmp.Diff([]string{"PR1-a", "PR1-b", "PR3-m", "sha256-A.sig"}, e.Delete["r"]); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if e.Deleted != 4 || e.Sigs != 1 || len(e.Keep["r"]) != 5 || e.Keep["r"]["5.0"] != "R" {
		t.Errorf("Expect = %+v", e)
	}
	if e := Expect(handSet(), true); e.Deleted != 0 || len(e.Keep["r"]) != 9 {
		t.Errorf("a dry run deletes nothing; Expect = %+v", e)
	}
}

func TestMinimal(t *testing.T) {
	ds := handSet()
	e := Expect(ds, false)
	for _, tc := range []struct {
		method string
		want   map[string]int
		total  int
	}{
		// 4 deletions: a HEAD and a DELETE each; A has a signature, so the 5 kept tags are read.
		{methodUntag, map[string]int{KindPing: 1, KindCatalog: 1, KindTagsList: 2, KindReferrers: 1,
			KindManifestDelete: 1 + 4, KindManifestHead: 4 + 5}, 19},
		// Every tag read twice (the index once by GET); A, C and S deleted by digest; PR1-b
		// (on R, which 5.0 keeps) by a throwaway manifest. C's children and A's signature
		// go in a later wave: the 5 kept tags and sha256-A.sig are read once more before it.
		{methodDigest, map[string]int{KindPing: 1, KindCatalog: 1, KindTagsList: 2, KindReferrers: 1,
			KindManifestHead: 8 + 9 + 6, KindManifestGet: 1, KindManifestDelete: 1 + 3 + 1, KindManifestPut: 1, KindBlob: 1}, 36},
		// The listing (one page) read again is the re-check of the 4 deletions.
		{methodACR, map[string]int{KindToken: 3, KindCatalog: 1, KindACRManifests: 1 + 1, KindACRRepository: 1,
			KindTagsList: 1, KindACRTagDelete: 4}, 12},
	} {
		m := ComputeMinimal(ds, e, tc.method)
		if diff := cmp.Diff(tc.want, m.Registry); diff != "" {
			t.Errorf("%s: minimal (-want +got):\n%s", tc.method, diff)
		}
		if m.Total() != tc.total || m.Source != 4 {
			t.Errorf("%s: total %d, source %d; want %d and 4", tc.method, m.Total(), m.Source, tc.total)
		}
	}
}
