package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Guard gives every delete item a method that removes only its tag, or turns it into
// a keep that says why. It also fills in digests and the tags sharing them, and
// reports the tags that could not be read. Running it again changes nothing.
func Guard(items []Item, repos map[string]Repo) {
	for name, idx := range byRepository(items) {
		r, ok := repos[name]
		if !ok {
			for _, i := range idx {
				if items[i].Action == policy.Delete && !items[i].Done {
					fail(&items[i], "repository was not inspected")
				}
			}
			continue
		}
		guardRepo(items, idx, name, r)
	}
}

func byRepository(items []Item) map[string][]int {
	out := map[string][]int{}
	for i := range items {
		out[items[i].Repository] = append(out[items[i].Repository], i)
	}
	return out
}

func guardRepo(items []Item, idx []int, repo string, r Repo) {
	byDigest := map[string][]string{}
	for _, i := range idx {
		it := &items[i]
		if it.Kind == KindManifest || it.Tag == "*" {
			continue
		}
		if m, ok := r.Manifests[it.Tag]; ok {
			it.Digest, it.Size = m.Digest, m.Size
			byDigest[m.Digest] = append(byDigest[m.Digest], it.Tag)
		}
		if err, unread := r.Unresolved[it.Tag]; unread && it.Action != policy.Delete && !it.Failed() {
			// Kept either way, but a tag that could not be read is reported (safety rule 8).
			it.Error = unreadable(err)
			continue
		}
		if it.Action != policy.Delete || it.Done {
			continue
		}
		switch err := r.Unresolved[it.Tag]; {
		case r.CapsErr != nil:
			fail(it, r.CapsErr.Error())
		case r.dangling(it.Tag):
			// Listed, manifest missing: removed by a method that needs no digest (the
			// re-read before deletion checks it is still so), or kept and reported.
			it.Digest = ""
			note(it, " (a dangling tag: listed, but its manifest is missing)")
		case err != nil:
			fail(it, unreadable(err))
		case it.Digest == "":
			fail(it, "manifest was not resolved")
		case r.Manifests[it.Tag].Locked:
			keep(it, "locked by the registry")
		}
	}
	for _, i := range idx {
		it := &items[i]
		if it.Kind == KindManifest || it.Digest == "" {
			continue
		}
		it.SharedWith = nil
		for _, t := range byDigest[it.Digest] {
			if t != it.Tag {
				it.SharedWith = append(it.SharedWith, it.Repository+":"+t)
			}
		}
	}
	// A delete that turns into a keep may make another delete unsafe: repeat until
	// nothing changes.
	for changed := true; changed; {
		changed = false
		holds := r.Holds(repo, staying(items, idx))
		for _, i := range idx {
			it := &items[i]
			if it.Action != policy.Delete || it.Kind == KindManifest || it.Done {
				continue
			}
			_, opaque := r.Opaque[it.Digest]
			method, why := choose(r.Caps, holds, it.Digest, opaque)
			if method == "" {
				keep(it, why)
				changed = true
				continue
			}
			it.Method = method
		}
	}
}

// choose picks the method that removes one tag and nothing a staying tag needs. A
// dangling tag (no digest) can only be untagged or retagged.
func choose(c registry.Capabilities, holds Holds, digest string, opaque bool) (registry.Method, string) {
	by, unknown := holds.Of(digest)
	unknown = unknown || opaque // a manifest not read whole is never deleted by digest
	switch {
	case c.Untag:
		return registry.MethodUntag, ""
	case c.Digest && digest != "" && len(by) == 0 && !unknown:
		return registry.MethodDigest, ""
	case c.Retag:
		return registry.MethodRetag, ""
	case digest == "":
		return "", "a dangling tag, and the registry can remove a tag only by its manifest's digest"
	case len(by) > 0:
		return "", fmt.Sprintf("digest shared with %s, and the registry cannot remove a tag alone", strings.Join(by, ", "))
	case unknown:
		return "", "some tags of the repository could not be resolved, so deleting the manifest might take another tag with it"
	default:
		return "", "the registry does not allow deletion"
	}
}

func unreadable(err error) string {
	if errors.Is(err, registry.ErrNotFound) {
		return "listed, but its manifest is missing (a dangling tag): " + err.Error()
	}
	return "reading its manifest: " + err.Error()
}

func fail(it *Item, err string) {
	it.Action, it.Method, it.Error = policy.Keep, "", err
}

// keep turns a delete into a keep, saying why once.
func keep(it *Item, why string) {
	it.Action, it.Method = policy.Keep, ""
	note(it, "; kept: "+why)
}

// note adds s to the item's reason unless it says it already.
func note(it *Item, s string) {
	if !strings.HasSuffix(it.Reason, s) && !strings.Contains(it.Reason, s+";") {
		it.Reason += s
	}
}
