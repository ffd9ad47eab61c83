package plan

import (
	"regexp"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Graph says what goes with a deleted tag.
type Graph struct {
	// UntaggedDelete removes a manifest that the deletion left with no tag (untagged: delete).
	UntaggedDelete bool
	// KeepReferrers keeps the signatures and attestations of a deleted image
	// (referrers: keep); by default they go with it.
	KeepReferrers bool
}

// Why a manifest item goes (Item.Via): what apply re-checks before deleting it.
const (
	ViaUntagged = "untagged" // the deleted tag's own manifest, left with no tag
	ViaChild    = "child"    // listed by an index that goes
	ViaReferrer = "referrer" // a signature or attestation the referrers API lists for an image that goes
)

// referrerTag matches the tags that belong to an image rather than to a pull request:
// the OCI referrers fallback index (sha256-<hex>) and cosign's signature, attestation
// and SBOM tags (sha256-<hex>.sig, .att, .sbom).
var referrerTag = regexp.MustCompile(`^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})(\.(sig|att|sbom))?$`)

// SubjectOfTag returns the digest a referrer tag belongs to, or "".
func SubjectOfTag(tag string) string {
	m := referrerTag.FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1] + ":" + m[2]
}

// Expand adds what goes with each deleted tag, after Guard: the referrer tags of an
// image nothing staying holds, and, where a deleted tag's manifest itself is
// removed, that manifest and its children that nothing staying needs. It returns the
// items with manifest items appended; an index always goes before its children
// (their LinkedTo names it).
func Expand(items []Item, repos map[string]Repo, g Graph) []Item {
	if !g.KeepReferrers {
		for deleteReferrerTags(items, repos) {
			Guard(items, repos)
		}
	}
	for name, idx := range byRepository(items) {
		if r, ok := repos[name]; ok {
			items = append(items, manifestItems(items, idx, name, r, g)...)
		}
	}
	return items
}

// deleteReferrerTags turns into deletions the referrer tags of images that go and
// that nothing staying (nor anything unread) holds.
func deleteReferrerTags(items []Item, repos map[string]Repo) bool {
	changed := false
	for name, idx := range byRepository(items) {
		r, ok := repos[name]
		if !ok || r.Manifests == nil {
			continue
		}
		goneBy := map[string]string{} // digest → ref of the deleted tag it went with
		for _, i := range idx {
			it := items[i]
			if it.Kind == KindTag && it.Digest != "" && it.Action == policy.Delete {
				if _, ok := goneBy[it.Digest]; !ok {
					goneBy[it.Digest] = it.Ref()
				}
			}
		}
		holds := r.Holds(name, staying(items, idx))
		for _, i := range idx {
			it := &items[i]
			subject := SubjectOfTag(it.Tag)
			if subject == "" || it.Action != policy.Keep || it.KeptBy != "" {
				continue
			}
			owner, gone := goneBy[subject]
			by, unknown := holds.Of(subject)
			if !gone && r.Journaled[subject] && len(by) == 0 && !unknown && !it.Failed() {
				it.Action = policy.Delete
				it.Reason = "signature or attestation of " + subject + ", which an earlier sweep deleted (audit log): an orphan (referrers: delete)"
				changed = true
				continue
			}
			if !gone || len(by) > 0 {
				continue // its image stays, and so does it
			}
			if it.Failed() || unknown {
				// It may not go, and its image must not go without it (an orphaned
				// signature no later sweep would find): both stay this time.
				why := it.Error
				if !it.Failed() {
					why = holds.Why(subject)
				}
				for _, j := range idx {
					if o := &items[j]; o.Kind == KindTag && o.Action == policy.Delete && o.Digest == subject {
						fail(o, "its signature "+it.Ref()+" could not go with it: "+why)
						changed = true
					}
				}
				continue
			}
			it.Action, it.LinkedTo = policy.Delete, owner
			it.Reason = "signature or attestation of " + owner + ", which is deleted (referrers: delete)"
			changed = true
		}
	}
	return changed
}

// manifestItems lists, for one repository, the manifests removed with deleted tags.
func manifestItems(items []Item, idx []int, repo string, r Repo, g Graph) []Item {
	holds := r.Holds(repo, staying(items, idx))
	if holds.Unknown() || r.CapsErr != nil || !r.Caps.Digest {
		return nil // without every staying tag's manifest, nothing untagged can be proven unused
	}
	children := map[string][]string{}
	for _, m := range r.Manifests {
		children[m.Digest] = m.Children
	}
	ownTag := map[string]bool{} // digests a deleted tag removes or leaves untagged itself
	for _, i := range idx {
		if it := items[i]; it.Kind == KindTag && it.Action == policy.Delete {
			ownTag[it.Digest] = true
		}
	}
	held := func(d string) bool {
		by, _ := holds.Of(d)
		_, opaque := r.Opaque[d] // not read whole: never deleted by digest
		return len(by) > 0 || opaque
	}
	var out []Item
	removed := map[string]bool{}
	add := func(owner *Item, linkedTo, d, via, why string) {
		removed[d] = true
		out = append(out, Item{Repository: repo, Digest: d, Action: policy.Delete, Method: registry.MethodDigest,
			Kind: KindManifest, LinkedTo: linkedTo, Via: via, Reason: why})
		owner.Removes = append(owner.Removes, repo+"@"+d)
	}
	for _, i := range idx {
		it := &items[i]
		if it.Kind != KindTag || it.Action != policy.Delete || it.Done || it.Digest == "" || held(it.Digest) {
			continue
		}
		// Who removes the tag's own manifest: the tag's deletion (by digest), a
		// manifest item (untagged: delete), or nobody.
		parent := ""
		switch {
		case it.Method == registry.MethodDigest:
			parent = it.Ref()
		case g.UntaggedDelete && !removed[it.Digest]:
			add(it, it.Ref(), it.Digest, ViaUntagged, "left untagged by deleting "+it.Ref()+" (untagged: delete)")
			parent = repo + "@" + it.Digest
		}
		type step struct{ d, parent string }
		var queue []step
		if parent != "" {
			for _, c := range children[it.Digest] {
				queue = append(queue, step{c, parent})
			}
		}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			if held(s.d) || removed[s.d] || ownTag[s.d] {
				continue
			}
			add(it, s.parent, s.d, ViaChild, "part of "+it.Ref()+", which nothing kept uses")
			for _, c := range children[s.d] {
				queue = append(queue, step{c, repo + "@" + s.d})
			}
		}
		if g.KeepReferrers {
			continue
		}
		// Signatures and attestations the registry's referrers API lists for an image
		// that nothing staying holds go with it, as its sha256-… tags do.
		for _, d := range r.Referrers[it.Digest] {
			if !held(d) && !removed[d] && !ownTag[d] {
				add(it, it.Ref(), d, ViaReferrer, "a signature or attestation of "+it.Ref()+", which is deleted (referrers: delete)")
			}
		}
	}
	return out
}
