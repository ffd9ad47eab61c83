package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Repo is what is known of one repository whose tags may be deleted.
type Repo struct {
	Manifests  map[string]registry.Manifest // by tag
	Unresolved map[string]error             // tags whose manifest could not be read (ErrNotFound: gone since the listing)
	Caps       registry.Capabilities
	CapsErr    error               // finding the capabilities failed: nothing can be deleted
	Referrers  map[string][]string // digest → the manifests the referrers API lists for it
}

// Guard gives every delete item a method that removes only its tag, or turns it into
// a keep that says why. It also fills in digests and the tags sharing them.
func Guard(items []Item, repos map[string]Repo) {
	byRepo := map[string][]int{}
	for i := range items {
		byRepo[items[i].Repository] = append(byRepo[items[i].Repository], i)
	}
	for name, idx := range byRepo {
		r, ok := repos[name]
		if !ok {
			for _, i := range idx {
				if items[i].Action == policy.Delete {
					fail(&items[i], "repository was not inspected")
				}
			}
			continue
		}
		guardRepo(items, idx, r)
	}
}

func guardRepo(items []Item, idx []int, r Repo) {
	byDigest := map[string][]string{}
	for _, i := range idx {
		it := &items[i]
		it.SharedWith = nil
		if it.Kind == KindManifest {
			continue
		}
		if m, ok := r.Manifests[it.Tag]; ok {
			it.Digest, it.Size = m.Digest, m.Size
			byDigest[m.Digest] = append(byDigest[m.Digest], it.Tag)
		}
		if it.Action != policy.Delete {
			continue
		}
		switch {
		case r.CapsErr != nil:
			fail(it, r.CapsErr.Error())
		case errors.Is(r.Unresolved[it.Tag], registry.ErrNotFound):
			// Gone since the listing: someone else (another sweep) deleted it.
			it.Done, it.Method, it.Reason = true, "", it.Reason+" (already gone)"
		case r.Unresolved[it.Tag] != nil:
			fail(it, r.Unresolved[it.Tag].Error())
		case it.Digest == "":
			fail(it, "manifest was not resolved")
		case r.Manifests[it.Tag].Locked:
			it.Action, it.Method, it.Reason = policy.Keep, "", it.Reason+"; kept: locked by the registry"
		}
	}
	for _, i := range idx {
		it := &items[i]
		if it.Kind == KindManifest {
			continue
		}
		for _, t := range byDigest[it.Digest] {
			if t != it.Tag && it.Digest != "" {
				it.SharedWith = append(it.SharedWith, it.Repository+":"+t)
			}
		}
	}
	// A delete that turns into a keep may make another delete unsafe: repeat until
	// nothing changes.
	for changed := true; changed; {
		changed = false
		held := heldDigests(items, idx, r)
		for _, i := range idx {
			it := &items[i]
			if it.Action != policy.Delete || it.Kind == KindManifest || it.Done {
				continue
			}
			method, why := choose(r, held[it.Digest], r.unknown())
			if method == "" {
				it.Action, it.Method, it.Reason = policy.Keep, "", it.Reason+"; kept: "+why
				changed = true
				continue
			}
			it.Method = method
		}
	}
}

// unknown reports whether some tag's manifest could not be read (a tag gone since
// the listing holds nothing, and does not count).
func (r Repo) unknown() bool {
	for _, err := range r.Unresolved {
		if !errors.Is(err, registry.ErrNotFound) {
			return true
		}
	}
	return false
}

// heldDigests maps each digest to what a kept tag holds it by: its own tag, or an
// index whose child it is.
func heldDigests(items []Item, idx []int, r Repo) map[string][]string {
	held := map[string][]string{}
	for _, i := range idx {
		it := items[i]
		if it.Action == policy.Delete || it.Kind == KindManifest {
			continue
		}
		m, ok := r.Manifests[it.Tag]
		if !ok {
			continue
		}
		held[m.Digest] = append(held[m.Digest], it.Ref())
		for _, c := range m.Children {
			held[c] = append(held[c], it.Ref()+" (as a child of its index)")
		}
	}
	return held
}

// choose picks the method that removes one tag and nothing a kept tag needs.
func choose(r Repo, heldBy []string, someUnresolved bool) (registry.Method, string) {
	c := r.Caps
	switch {
	case c.Untag:
		return registry.MethodUntag, ""
	case c.Digest && len(heldBy) == 0 && !someUnresolved:
		return registry.MethodDigest, ""
	case c.Retag:
		return registry.MethodRetag, ""
	case len(heldBy) > 0:
		slices.Sort(heldBy)
		return "", fmt.Sprintf("digest shared with %s, and the registry cannot remove a tag alone", strings.Join(heldBy, ", "))
	case someUnresolved:
		return "", "some tags of the repository could not be resolved, so deleting the manifest might take another tag with it"
	default:
		return "", "the registry does not allow deletion"
	}
}

func fail(it *Item, err string) {
	it.Action, it.Method, it.Error = policy.Keep, "", err
}
