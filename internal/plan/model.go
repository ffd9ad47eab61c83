package plan

import (
	"errors"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Repo is the one model of a repository that the guard, the graph, apply's re-check
// and referrers all ask: each tag's manifest (tags → manifests → children), what the
// referrers API lists, and what could not be read.
type Repo struct {
	Manifests  map[string]registry.Manifest // by tag, for the tags that were read
	Unresolved map[string]error             // tags whose manifest could not be read (ErrNotFound: listed, manifest missing)
	Opaque     map[string]error             // digests of indexes whose children could not be read
	Caps       registry.Capabilities
	CapsErr    error               // finding the capabilities failed: nothing can be deleted
	Referrers  map[string][]string // digest → the manifests the referrers API lists for it
	// Journaled: digests the audit log says prsweep deleted from this repository in an
	// earlier sweep. A signature tag of one that nothing staying holds is an orphan
	// prsweep left behind (its own deletion failed): it goes with referrers: delete.
	Journaled map[string]bool
}

// Holds is the answer to "is this digest held by something that stays, or by
// something we could not read?" for one repository at one moment.
type Holds struct {
	by     map[string][]string // digest → the refs of staying tags that hold it
	unread []string            // staying tags (or their indexes) whose content is unknown
}

// Holds builds the answer from the tags that stay in repo. A staying tag holds its
// manifest and, through an index, every manifest below it. A staying tag that was not
// read, could not be read, or points at an index whose children are unknown might
// hold anything: then every digest counts as held.
func (r Repo) Holds(repo string, stays []string) Holds {
	h := Holds{by: map[string][]string{}}
	children := map[string][]string{}
	for _, m := range r.Manifests {
		if len(m.Children) > 0 {
			children[m.Digest] = m.Children
		}
	}
	for _, tag := range stays {
		ref := repo + ":" + tag
		m, ok := r.Manifests[tag]
		if !ok {
			h.unread = append(h.unread, ref)
			continue
		}
		h.by[m.Digest] = append(h.by[m.Digest], ref)
		seen := map[string]bool{m.Digest: true}
		queue := slices.Clone(children[m.Digest])
		if _, opaque := r.Opaque[m.Digest]; opaque {
			h.unread = append(h.unread, ref+" (an index whose children could not be read)")
		}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			if seen[d] {
				continue
			}
			seen[d] = true
			h.by[d] = append(h.by[d], ref+" (as a child of its index)")
			if _, opaque := r.Opaque[d]; opaque {
				h.unread = append(h.unread, ref+" (an index whose children could not be read)")
			}
			queue = append(queue, children[d]...)
		}
	}
	slices.Sort(h.unread)
	return h
}

// Of says which staying tags hold d, and whether something unread might.
func (h Holds) Of(d string) (by []string, unknown bool) {
	by = slices.Clone(h.by[d])
	slices.Sort(by)
	return slices.Compact(by), len(h.unread) > 0
}

// Unknown reports whether some staying tag could not be read.
func (h Holds) Unknown() bool { return len(h.unread) > 0 }

// Why says, for a keep, what holds d.
func (h Holds) Why(d string) string {
	by, _ := h.Of(d)
	if len(by) > 0 {
		return "used by " + strings.Join(by, ", ")
	}
	if len(h.unread) > 0 {
		return "what " + strings.Join(h.unread, ", ") + " holds could not be read"
	}
	return ""
}

// dangling reports whether tag is listed but its manifest was missing when read.
func (r Repo) dangling(tag string) bool {
	err, ok := r.Unresolved[tag]
	return ok && errors.Is(err, registry.ErrNotFound)
}

// staying lists the tags of repo's items that stay: not deleted, or deleted but kept since.
func staying(items []Item, idx []int) []string {
	var out []string
	for _, i := range idx {
		it := items[i]
		if it.Kind == KindTag && it.Tag != "*" && it.Action != policy.Delete {
			out = append(out, it.Tag)
		}
	}
	return out
}
