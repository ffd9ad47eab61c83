package sweep

import (
	"context"
	"errors"
	"strings"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// inspect reads what plan needs of a repository with deletions: how the registry
// deletes, and the manifests the decision needs — the deleted tags', and every tag's
// where the method or the graph asks what a staying tag holds (deleting by digest,
// untagged: delete, referrers found). A registry that deletes a tag alone needs no
// kept tag read otherwise.
func (s *Sweeper) inspect(ctx context.Context, l discover.Repository, items []plan.Item, journaled map[string]bool) plan.Repo {
	r := plan.Repo{Journaled: journaled}
	r.Caps, r.CapsErr = s.Registry.Capabilities(ctx, l.Name)
	if r.CapsErr != nil {
		return r
	}
	ms := l.Manifests
	if ms == nil {
		var err error
		if ms, err = discover.Read(ctx, s.Registry, l.Name, deletedTags(items), s.Concurrency); err != nil {
			r.CapsErr = err // nothing can be deleted
			return r
		}
	}
	r.Manifests, r.Unresolved, r.Opaque = ms.ByTag, ms.Unresolved, ms.Opaque
	r.Referrers = s.referrers(ctx, l, items, r.Manifests)
	defer s.addFallbackReferrers(r, items)
	if l.Manifests != nil || !s.needsAll(r, l, items) {
		return r
	}
	var rest []string
	for _, tag := range l.Tags {
		if _, read := r.Manifests[tag]; !read {
			if _, failed := r.Unresolved[tag]; !failed {
				rest = append(rest, tag)
			}
		}
	}
	more, err := discover.Read(ctx, s.Registry, l.Name, rest, s.Concurrency)
	if err != nil {
		r.CapsErr = err
		return r
	}
	for tag, m := range more.ByTag {
		r.Manifests[tag] = m
	}
	for tag, err := range more.Unresolved {
		r.Unresolved[tag] = err
	}
	return r
}

func deletedTags(items []plan.Item) []string {
	var out []string
	for _, it := range items {
		if it.Action == policy.Delete && it.Kind == plan.KindTag {
			out = append(out, it.Tag)
		}
	}
	return out
}

// needsAll reports whether the plan must know what every staying tag holds.
func (s *Sweeper) needsAll(r plan.Repo, l discover.Repository, items []plan.Item) bool {
	if !r.Caps.Untag || s.Graph.UntaggedDelete || s.readAll || (journal{l.Name: r.Journaled}).orphans(l) {
		return true
	}
	if s.Graph.KeepReferrers {
		return false
	}
	for _, refs := range r.Referrers {
		if len(refs) > 0 {
			return true
		}
	}
	// A signature or attestation tag of a deleted image goes only if nothing staying
	// holds that image.
	gone := map[string]bool{}
	for _, tag := range deletedTags(items) {
		if m, ok := r.Manifests[tag]; ok {
			gone[m.Digest] = true
		}
	}
	for _, tag := range l.Tags {
		if d := plan.SubjectOfTag(tag); d != "" && gone[d] {
			return true
		}
	}
	return false
}

// referrers asks the referrers API about each deleted image, where the registry
// has that API (a registry without it says so once, and is not asked again). A
// failure only leaves those referrers in place: it is logged, nothing breaks.
func (s *Sweeper) referrers(ctx context.Context, l discover.Repository, items []plan.Item, manifests map[string]registry.Manifest) map[string][]string {
	lister, ok := s.Registry.(registry.ReferrerLister)
	out := map[string][]string{}
	if !ok || s.Graph.KeepReferrers {
		return out
	}
	for _, tag := range deletedTags(items) {
		m, found := manifests[tag]
		if _, asked := out[m.Digest]; !found || asked {
			continue
		}
		refs, err := lister.Referrers(ctx, l.Name, m.Digest)
		switch {
		case errors.Is(err, registry.ErrUnsupported):
			return out
		case err != nil:
			s.logger().Warn("referrers not listed; they stay", "image", l.Name+":"+tag, "error", err)
			continue
		}
		out[m.Digest] = refs
	}
	return out
}

// addFallbackReferrers adds, for each deleted image, the manifests its OCI referrers
// fallback tag (sha256-<hex>) lists, read with the other tags.
func (s *Sweeper) addFallbackReferrers(r plan.Repo, items []plan.Item) {
	if s.Graph.KeepReferrers || r.Referrers == nil {
		return
	}
	for _, tag := range deletedTags(items) {
		m, ok := r.Manifests[tag]
		if !ok {
			continue
		}
		fallback := strings.Replace(m.Digest, ":", "-", 1)
		if idx, ok := r.Manifests[fallback]; ok {
			r.Referrers[m.Digest] = append(r.Referrers[m.Digest], idx.Children...)
		}
	}
}
