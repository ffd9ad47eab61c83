package bench

import (
	"context"
	"fmt"
	"slices"
)

// Expected is the registry a correct sweep leaves behind, with prsweep's
// defaults: a PR tag goes when its pull request is merged or closed; a cosign
// signature tag goes with the image it signs when every tag of that image goes
// and no index that stays lists it (referrers: delete); every other tag stays,
// on the same digest, and so do the children of the indexes that stay.
type Expected struct {
	Keep     map[string]map[string]string // repository → tag → digest
	Delete   map[string][]string          // repository → tags, sorted
	Children map[string][]string          // repository → children of the indexes that stay
	Deleted  int                          // tags deleted in all
	Sigs     int                          // of them, signature tags
}

// Expect computes what a sweep leaves (everything, in a dry run).
func Expect(ds *Dataset, dryRun bool) Expected {
	e := Expected{Keep: map[string]map[string]string{}, Delete: map[string][]string{}, Children: map[string][]string{}}
	for _, r := range ds.Repos {
		gone := map[string]bool{}
		for _, t := range r.Tags {
			if s := ds.PRs[t.PR]; !dryRun && t.PR != 0 && (s == Merged || s == Closed) {
				gone[t.Name] = true
			}
		}
		keptDigest, children := map[string]bool{}, map[string]bool{}
		manifests := map[string]Manifest{}
		for _, m := range r.Manifests {
			manifests[m.Digest] = m
		}
		for _, t := range r.Tags {
			if !gone[t.Name] && t.Sig == "" {
				keptDigest[t.Digest] = true
				for _, c := range manifests[t.Digest].Children {
					children[c] = true
				}
			}
		}
		for _, t := range r.Tags {
			if t.Sig != "" && !keptDigest[t.Sig] && !children[t.Sig] && taggedIn(r, t.Sig, gone) {
				gone[t.Name] = true
				e.Sigs++
			}
		}
		e.Keep[r.Name] = map[string]string{}
		for _, t := range r.Tags {
			if gone[t.Name] {
				e.Delete[r.Name] = append(e.Delete[r.Name], t.Name)
				e.Deleted++
			} else {
				e.Keep[r.Name][t.Name] = t.Digest
			}
		}
		slices.Sort(e.Delete[r.Name])
		for c := range children {
			e.Children[r.Name] = append(e.Children[r.Name], c)
		}
		slices.Sort(e.Children[r.Name])
	}
	return e
}

// taggedIn reports whether some tag that goes points at digest.
func taggedIn(r Repo, digest string, gone map[string]bool) bool {
	for _, t := range r.Tags {
		if t.Digest == digest && gone[t.Name] {
			return true
		}
	}
	return false
}

// Outcome compares a registry with what was expected.
type Outcome struct {
	Wrong  []string `json:"wrong,omitempty"`  // tags that should stay and are gone or moved ("repo:tag")
	Missed []string `json:"missed,omitempty"` // tags that should be gone and remain
	Broken []string `json:"broken,omitempty"` // children of kept indexes that cannot be read ("repo@digest")
	Err    string   `json:"error,omitempty"`  // the registry could not be read
}

// OK reports whether the registry is exactly as expected.
func (o Outcome) OK() bool {
	return len(o.Wrong) == 0 && len(o.Missed) == 0 && len(o.Broken) == 0 && o.Err == ""
}

// stateReader reads a registry directly, around the meters.
type stateReader interface {
	tags(ctx context.Context, repo string) (map[string]string, error) // tag → digest
	hasManifest(ctx context.Context, repo, digest string) (bool, error)
}

// check reads the registry and compares it with e.
func check(ctx context.Context, sr stateReader, e Expected) Outcome {
	var o Outcome
	for _, repo := range sortedKeys(e.Keep) {
		have, err := sr.tags(ctx, repo)
		if err != nil {
			o.Err = fmt.Sprintf("reading %s: %v", repo, err)
			return o
		}
		for tag, d := range e.Keep[repo] {
			if have[tag] != d {
				o.Wrong = append(o.Wrong, repo+":"+tag)
			}
		}
		for _, tag := range e.Delete[repo] {
			if _, ok := have[tag]; ok {
				o.Missed = append(o.Missed, repo+":"+tag)
			}
		}
		for _, c := range e.Children[repo] {
			ok, err := sr.hasManifest(ctx, repo, c)
			if err != nil {
				o.Err = fmt.Sprintf("reading %s@%s: %v", repo, c, err)
				return o
			}
			if !ok {
				o.Broken = append(o.Broken, repo+"@"+c)
			}
		}
	}
	slices.Sort(o.Wrong)
	slices.Sort(o.Missed)
	return o
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
