package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// reread is the repository as the re-check read it, just before digest deletions.
type reread struct {
	tags []string // sorted
	ms   *discover.Manifests
}

func (r *reread) has(tag string) bool {
	if r == nil || r.ms == nil {
		return false
	}
	_, ok := r.ms.ByTag[tag]
	_, failed := r.ms.Unresolved[tag]
	return ok || failed
}

func (r *reread) manifest(tag string) (registry.Manifest, error) {
	if err, failed := r.ms.Unresolved[tag]; failed {
		return registry.Manifest{}, err
	}
	return r.ms.ByTag[tag], nil
}

// recheck re-reads every tag of repo and keeps each digest deletion whose manifest
// something staying now holds — a tag pushed or moved onto it since the decision —
// asking the same model as the plan (plan.Repo.Holds). If the repository cannot be
// read whole, no digest deletion in it goes ahead.
func (a Applier) recheck(ctx context.Context, repo string, items []*plan.Item) *reread {
	listing := discover.List(ctx, a.Registry, repo)
	ms, err := listing.Manifests, listing.Err
	if err == nil && ms == nil {
		ms, err = discover.Read(ctx, a.Registry, repo, listing.Tags, a.Concurrency)
	}
	if err != nil {
		for _, it := range items {
			if it.Action == policy.Delete && it.Method == registry.MethodDigest && !it.Done && !it.Failed() {
				it.Error = fmt.Sprintf("re-reading the tags of %s before deleting by digest: %v", repo, err)
			}
		}
		return nil
	}
	deleting := map[string]string{} // tag → planned digest
	for _, it := range items {
		if it.Kind == plan.KindTag && it.Action == policy.Delete {
			deleting[it.Tag] = it.Digest
		}
	}
	var stays []string
	for _, tag := range listing.Tags {
		d, going := deleting[tag]
		m, read := ms.ByTag[tag]
		missing := errors.Is(ms.Unresolved[tag], registry.ErrNotFound)
		if going && (read && m.Digest == d || missing) {
			continue // going anyway, as planned (or gone since: confirm will tell)
		}
		stays = append(stays, tag)
	}
	model := plan.Repo{Manifests: ms.ByTag, Unresolved: ms.Unresolved, Opaque: ms.Opaque}
	holds := model.Holds(repo, stays)
	for _, it := range items {
		if it.Action != policy.Delete || it.Method != registry.MethodDigest || it.Done || it.Failed() {
			continue
		}
		by, unknown := holds.Of(it.Digest)
		switch {
		case len(by) > 0:
			it.Action, it.Method = policy.Keep, ""
			it.Reason += fmt.Sprintf("; kept: %s (changed since the decision)", holds.Why(it.Digest))
		case unknown:
			it.Error = fmt.Sprintf("re-reading the tags of %s before deleting by digest: %s", repo, holds.Why(it.Digest))
		}
	}
	tags := slices.Clone(listing.Tags)
	slices.Sort(tags)
	return &reread{tags: tags, ms: ms}
}

// tagsChanged says whether repo's tags differ from the last re-read, apart from the
// tags deleted since (a tag pushed or removed by someone else): from the listing the
// last confirmation read back, or a new one. No re-read yet, or a failed listing,
// counts as a change.
func (a Applier) tagsChanged(ctx context.Context, repo string, last *reread, items []*plan.Item, listed []string) bool {
	if last == nil {
		return true
	}
	if listed == nil {
		tags, err := a.Registry.Tags(ctx, repo)
		if err != nil {
			return true
		}
		slices.Sort(tags)
		listed = tags
	}
	gone := map[string]bool{}
	for _, it := range items {
		if it.Kind == plan.KindTag && it.Done {
			gone[it.Tag] = true
		}
	}
	expected := slices.DeleteFunc(slices.Clone(last.tags), func(t string) bool { return gone[t] })
	return !slices.Equal(listed, expected)
}
