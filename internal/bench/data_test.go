package bench

import (
	"reflect"
	"testing"
)

// The data set is the same for the same seed, and has what the benchmark is
// about: about N×M/5 pull requests in every state, shared digests, indexes and
// signatures.
func TestGenerate(t *testing.T) {
	p := Params{Repos: 4, Tags: 500, Seed: 3}
	a, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	// reflect, not cmp: cmp takes minutes over a few thousand manifests.
	if b, _ := Generate(p); !reflect.DeepEqual(a, b) {
		t.Fatal("two data sets of one seed differ")
	}
	if c, _ := Generate(Params{Repos: 4, Tags: 500, Seed: 4}); reflect.DeepEqual(a.Repos, c.Repos) {
		t.Error("another seed gave the same data set")
	}
	tags, prTags, prs := a.Counts()
	if tags != 2000 || prTags < 1500 || prs < 300 || prs > 400 {
		t.Errorf("%d tags, %d PR tags, %d pull requests; want 2000, ≥1500, ~400", tags, prTags, prs)
	}
	states := map[State]int{}
	for _, s := range a.PRs {
		states[s]++
	}
	for _, s := range []State{Open, Merged, Closed, Missing} {
		if states[s] == 0 {
			t.Errorf("no pull request is %s: %v", s, states)
		}
	}
	var sigs, indexes, shared int
	for _, r := range a.Repos {
		byDigest := map[string]int{}
		for _, t := range r.Tags {
			byDigest[t.Digest]++
			if t.Sig != "" {
				sigs++
			}
		}
		for _, m := range r.Manifests {
			if len(m.Children) > 0 {
				indexes++
			}
			if byDigest[m.Digest] > 1 {
				shared++
			}
		}
	}
	if sigs == 0 || indexes == 0 || shared == 0 {
		t.Errorf("%d signatures, %d indexes, %d shared digests; want some of each", sigs, indexes, shared)
	}
}
