package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// reread is the repository as the re-check read it, just before digest deletions.
type reread struct {
	ms *discover.Manifests
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
	return a.recheckTags(ctx, repo, items, nil)
}

// recheckTags is recheck before a wave of digest deletions, given the tag listing read
// back just before (the last wave's confirmation), or nil. It runs before every such
// wave, not only when tag names changed: a tag moved onto a digest of a later wave
// (a child of a deleted index, a deleted image's signature) changes no name, and
// that DELETE would take the tag's image (on distribution, the tag too). Any tag can
// be moved, so every tag is read: where the registry lists manifests, in that one
// listing; else one read each, of the names listed — the listing in hand is as fresh
// as a new one would be, as nothing was sent since.
func (a Applier) recheckTags(ctx context.Context, repo string, items []*plan.Item, listed []string) *reread {
	var listing discover.Repository
	if _, lists := a.Registry.(registry.ManifestLister); lists || listed == nil {
		listing = discover.List(ctx, a.Registry, repo)
	} else {
		listing = discover.Repository{Name: repo, Tags: listed}
	}
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
		// A failed tag stays (its deletion failed, or was never sent): what it needs stays too.
		if it.Kind == plan.KindTag && it.Action == policy.Delete && !it.Failed() {
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
	return &reread{ms: ms}
}
