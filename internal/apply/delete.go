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

// Outcome notes that confirm adds to a tag's reason once the listing shows it gone.
const (
	noteGone      = " (already gone)"
	noteLostReply = " (deleted, though the registry's answer was lost: %v)"
)

// deleteGroup removes one item, or tags that share a digest with one DELETE. It
// returns the tags to confirm: those deleted, and those the re-read found missing.
// A tag item ends Done only provisionally: confirm decides from the listing.
func (a Applier) deleteGroup(ctx context.Context, group []*plan.Item, last *reread) (toConfirm []*plan.Item) {
	first := group[0]
	if first.Kind == plan.KindManifest {
		a.deleteManifest(ctx, first)
		a.journalAfter(first)
		return nil
	}
	var live []*plan.Item
	for _, it := range group {
		if a.stillAsPlanned(ctx, it, last) {
			live = append(live, it)
		} else if it.Done {
			toConfirm = append(toConfirm, it)
		}
	}
	for _, it := range live {
		if err := a.journalBefore(ctx, it); err != nil {
			for _, it := range live {
				it.Error = err.Error() // one DELETE removes them all: none goes unjournaled
			}
			return toConfirm
		}
	}
	if len(live) == 0 {
		return toConfirm
	}
	lead := live[0]
	err := a.Registry.Delete(ctx, lead.Repository, lead.Tag, registry.Manifest{Digest: lead.Digest}, lead.Method)
	for _, it := range live {
		a.settle(it, err)
		if it.Action == policy.Delete {
			toConfirm = append(toConfirm, it)
		} else {
			a.journalAfter(it)
		}
	}
	return toConfirm
}

// stillAsPlanned re-reads the tag (or takes the re-check's fresh read) and keeps it
// when it moved since the decision (safety rule 5). A tag whose manifest is now
// missing is left to confirm, which tells gone from dangling by the listing.
func (a Applier) stillAsPlanned(ctx context.Context, it *plan.Item, last *reread) bool {
	m, err := registry.Manifest{Digest: it.Digest}, error(nil)
	switch {
	case last != nil && last.has(it.Tag):
		m, err = last.manifest(it.Tag)
	case !a.Fresh || it.Digest == "":
		m, err = a.Registry.Resolve(ctx, it.Repository, it.Tag)
	}
	switch {
	case errors.Is(err, registry.ErrNotFound) && it.Digest == "":
		return true // still dangling, as planned: remove the tag
	case errors.Is(err, registry.ErrNotFound):
		it.Done, it.Reason = true, it.Reason+noteGone // provisional: confirm reads the listing
		return false
	case err != nil:
		it.Error = fmt.Sprintf("re-reading before deletion: %v", err)
		return false
	case m.Digest != it.Digest && it.Digest == "":
		// It looked dangling when planned (a 404 that was not the truth, or a push since).
		it.Error = fmt.Sprintf("the tag's manifest was missing when planned and is %s now: not deleted this time", m.Digest)
		return false
	case m.Digest != it.Digest:
		it.Action, it.Method = policy.Keep, ""
		it.Reason = fmt.Sprintf("%s; kept: the tag now points at %s, not %s (pushed again since the decision)", it.Reason, m.Digest, it.Digest)
		return false
	}
	return true
}

// rereadWave reads the tags of a later wave without digest deletions with one
// manifest listing, where the registry has one and it costs fewer requests than a
// read per tag; else it returns nil, and each tag is read just before its deletion.
func (a Applier) rereadWave(ctx context.Context, repo string, wave []*plan.Item, listed []string) *reread {
	if _, ok := a.Registry.(registry.ManifestLister); !ok || len(wave) <= listingCost(len(listed)) {
		return nil
	}
	listing := discover.List(ctx, a.Registry, repo)
	if listing.Err != nil {
		a.logger().Warn("re-reading the tags of a wave one by one", "repository", repo, "error", listing.Err)
		return nil
	}
	return &reread{ms: listing.Manifests}
}

// listingCost estimates the requests of a manifest listing of a repository with that
// many tags: ACR lists manifests and tags apart, pages hold at least 100 entries
// (GHCR's most; ACR's 1000).
func listingCost(tags int) int { return 2 + tags/100 }

// settle records a tag deletion's answer; confirm turns it into the outcome.
func (a Applier) settle(it *plan.Item, err error) {
	switch {
	case err == nil:
		it.Done = true
	case errors.Is(err, registry.ErrNotFound):
		it.Done, it.Reason = true, it.Reason+noteGone
	case refused(it, err):
	default:
		// Perhaps done, the answer lost (a reset, a 5xx after the fact): confirm reads
		// the listing and says which.
		it.Error = fmt.Sprintf("deleting by %s: %v", it.Method, err)
	}
}

// refused keeps the item when the registry refused its deletion for a reason that
// keeps it: a lock set since the plan (or on a manifest the plan could not see), or
// a tag the listing did not show still on the manifest.
func refused(it *plan.Item, err error) bool {
	switch {
	case errors.Is(err, registry.ErrLocked):
		it.Reason += "; kept: locked by the registry"
	case errors.Is(err, registry.ErrInUse):
		it.Reason += "; kept: " + err.Error()
	default:
		return false
	}
	it.Action, it.Method = policy.Keep, ""
	return true
}

// deleteManifest removes an untagged manifest. Its answer is read back by digest
// when it was not a plain yes.
func (a Applier) deleteManifest(ctx context.Context, it *plan.Item) {
	if err := a.journalBefore(ctx, it); err != nil {
		if errors.Is(err, registry.ErrNotFound) && a.manifestGone(ctx, it) {
			it.Done, it.Reason = true, it.Reason+noteGone
			return
		}
		it.Error = err.Error()
		return
	}
	err := a.Registry.Delete(ctx, it.Repository, "", registry.Manifest{Digest: it.Digest}, it.Method)
	switch {
	case err == nil:
		it.Done = true
	case refused(it, err):
	case a.manifestGone(ctx, it):
		note := noteGone
		if !errors.Is(err, registry.ErrNotFound) {
			note = fmt.Sprintf(noteLostReply, err)
		}
		it.Done, it.Reason = true, it.Reason+note
	default:
		it.Error = fmt.Sprintf("deleting by %s: %v", it.Method, err)
	}
}

// manifestGone reads a manifest back by digest: only a positive "not found" counts.
func (a Applier) manifestGone(ctx context.Context, it *plan.Item) bool {
	store, ok := a.Registry.(registry.ManifestStore)
	if !ok {
		return false
	}
	_, _, err := store.Manifest(ctx, it.Repository, it.Digest)
	return errors.Is(err, registry.ErrNotFound)
}
