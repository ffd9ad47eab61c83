package plan

import (
	"regexp"
	"slices"

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
// image no kept tag still holds, and, where a deleted tag's manifest itself is
// removed, that manifest and its children that nothing kept needs. It returns the
// items with manifest items appended.
func Expand(items []Item, repos map[string]Repo, g Graph) []Item {
	if !g.KeepReferrers {
		for changed := true; changed; {
			changed = deleteReferrerTags(items, repos)
			if changed {
				Guard(items, repos)
			}
		}
	}
	for name, r := range repos {
		items = append(items, manifestItems(items, name, r, g)...)
	}
	return items
}

// deleteReferrerTags turns the referrer tags of images that go into deletions.
func deleteReferrerTags(items []Item, repos map[string]Repo) bool {
	goneBy := map[string]string{} // repo + digest → ref of the deleted tag it went with
	held := map[string]bool{}
	for _, it := range items {
		key := it.Repository + "@" + it.Digest
		switch {
		case it.Kind == KindManifest || it.Digest == "":
		case it.Action == policy.Delete:
			if _, ok := goneBy[key]; !ok {
				goneBy[key] = it.Ref()
			}
		default:
			held[key] = true
		}
	}
	changed := false
	for i := range items {
		it := &items[i]
		subject := SubjectOfTag(it.Tag)
		if subject == "" || it.Action != policy.Keep || it.Failed() || it.KeptBy != "" || repos[it.Repository].Manifests == nil {
			continue
		}
		key := it.Repository + "@" + subject
		owner, gone := goneBy[key]
		if !gone || held[key] {
			continue
		}
		it.Action, it.LinkedTo = policy.Delete, owner
		it.Reason = "signature or attestation of " + owner + ", which is deleted (referrers: delete)"
		changed = true
	}
	return changed
}

// manifestItems lists, for one repository, the manifests removed with deleted tags.
func manifestItems(items []Item, repo string, r Repo, g Graph) []Item {
	if r.unknown() || r.CapsErr != nil || !r.Caps.Digest {
		return nil // without every tag's manifest, nothing untagged can be proven unused
	}
	held := map[string]bool{}
	for _, it := range items {
		if it.Repository != repo || it.Kind == KindManifest || it.Action == policy.Delete {
			continue
		}
		if m, ok := r.Manifests[it.Tag]; ok {
			held[m.Digest] = true
			for _, c := range m.Children {
				held[c] = true
			}
		}
	}
	children := map[string][]string{}
	for _, m := range r.Manifests {
		children[m.Digest] = m.Children
	}
	ownTag := map[string]bool{} // digests a deleted tag removes or leaves untagged itself
	for _, it := range items {
		if it.Repository == repo && it.Kind != KindManifest && it.Action == policy.Delete {
			ownTag[it.Digest] = true
		}
	}
	var out []Item
	removed := map[string]bool{}
	add := func(owner *Item, d, why string) {
		removed[d] = true
		out = append(out, Item{Repository: repo, Digest: d, Action: policy.Delete, Method: registry.MethodDigest,
			Kind: KindManifest, LinkedTo: owner.Ref(), Reason: why})
		owner.Removes = append(owner.Removes, repo+"@"+d)
	}
	for i := range items {
		it := &items[i]
		if it.Repository != repo || it.Kind == KindManifest || it.Action != policy.Delete || it.Done || held[it.Digest] {
			continue
		}
		var queue []string
		switch {
		case it.Method == registry.MethodDigest:
			queue = slices.Clone(children[it.Digest])
		case g.UntaggedDelete && !removed[it.Digest]:
			add(it, it.Digest, "left untagged by deleting "+it.Ref()+" (untagged: delete)")
			queue = slices.Clone(children[it.Digest])
		}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			if held[d] || removed[d] || ownTag[d] {
				continue
			}
			add(it, d, "part of "+it.Ref()+", which nothing kept uses")
			queue = append(queue, children[d]...)
		}
		if g.KeepReferrers {
			continue
		}
		// Signatures and attestations the registry's referrers API lists for an image
		// that no kept tag holds go with it, as its sha256-… tags do.
		for _, d := range r.Referrers[it.Digest] {
			if !held[d] && !removed[d] && !ownTag[d] {
				add(it, d, "a signature or attestation of "+it.Ref()+", which is deleted (referrers: delete)")
			}
		}
	}
	return out
}
