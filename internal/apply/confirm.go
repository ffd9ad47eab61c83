package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// confirm reads the tag listing back once for the tags a wave deleted (or found
// missing) and records the outcome: a tag is deleted only when the listing no longer
// shows it (safety rule 8). A 404 or a lost answer counts only when confirmed. A tag
// still listed whose manifest is missing (a dangling tag, left by a racing writer or
// a half-done retag) is removed once more without a digest, and read back again;
// otherwise it is failed, and said to be dangling. It returns the last listing it
// read (sorted), and whether it read one.
func (a Applier) confirm(ctx context.Context, repo string, tried []*plan.Item) ([]string, bool) {
	if len(tried) == 0 {
		return nil, false
	}
	ctx = context.WithoutCancel(ctx) // the deletions happened: their outcome is read even when stopping
	tags, err := a.listed(ctx, repo)
	// A few rounds for what the listing still shows: a tag left dangling (again, by a
	// writer racing on it: another sweep's retag) is removed without a digest; one a
	// 404 called gone whose manifest reads again is read and deleted once more.
	for round := 0; round < danglingRounds && err == nil; round++ {
		var dangling, again []*plan.Item
		for _, it := range tried {
			if _, still := slices.BinarySearch(tags, it.Tag); !still {
				continue
			}
			switch _, rerr := a.Registry.Resolve(ctx, it.Repository, it.Tag); {
			case errors.Is(rerr, registry.ErrNotFound):
				dangling = append(dangling, it)
			case rerr == nil && it.Done && strings.HasSuffix(it.Reason, noteGone) && it.Method != registry.MethodRetag:
				// (A retag's tag may point at its throwaway now, which a re-read would
				// take for a push since the decision: it stays failed.)
				again = append(again, it)
			}
		}
		if len(dangling) > 0 {
			// One listing and one 404 may be a listing that lags behind a deletion
			// (GHCR's Packages API beside its OCI reads) or a 404 that is not the
			// truth: a tag is dangling when a second listing and a second read agree.
			if tags, err = a.listed(ctx, repo); err != nil {
				break
			}
			dangling = slices.DeleteFunc(dangling, func(it *plan.Item) bool {
				_, still := slices.BinarySearch(tags, it.Tag)
				return !still || !a.isDangling(ctx, it)
			})
		}
		if len(dangling)+len(again) == 0 {
			break
		}
		for _, it := range dangling {
			a.removeDangling(ctx, it)
		}
		a.deleteAgain(ctx, repo, again)
		tags, err = a.listed(ctx, repo)
	}
	for _, it := range tried {
		if it.Action != policy.Delete { // kept when deleted again: moved or held since
			a.journalAfter(it)
			a.logger().Info("kept", "image", it.Ref(), "reason", it.Reason)
			continue
		}
		_, listed := slices.BinarySearch(tags, it.Tag)
		switch {
		case err != nil:
			it.Done = false
			it.Error = fmt.Sprintf("%snot confirmed: reading the tag listing back failed: %v", errPrefix(it), err)
		case !listed && it.Error != "":
			// The DELETE failed as far as we heard, yet the tag is gone.
			it.Reason += fmt.Sprintf(noteLostReply, strings.TrimPrefix(it.Error, "deleting by "+string(it.Method)+": "))
			it.Done, it.Error = true, ""
		case !listed:
			it.Done = true
		default:
			prefix := errPrefix(it)
			if it.Done && strings.HasSuffix(it.Reason, noteGone) {
				prefix = "a 404 said it was gone, but "
			}
			it.Done = false
			it.Reason = strings.TrimSuffix(it.Reason, noteGone)
			it.Error = prefix + "the tag is still listed"
			if a.isDangling(ctx, it) {
				it.Error += ", and its manifest is missing (a dangling tag)"
			}
		}
		a.journalAfter(it)
		if it.Done {
			a.logger().Info("deleted", "image", it.Ref(), "digest", it.Digest, "method", it.Method, "reason", it.Reason)
		} else {
			a.logger().Warn("not deleted", "image", it.Ref(), "error", it.Error)
		}
	}
	return tags, err == nil
}

// deleteAgain deletes once more the tags a 404 called gone that the listing still
// shows and whose manifest reads: as for their first deletion, what holds a digest
// is read again just before (rules 2 and 9), and each tag (rule 5): the 404 was the
// only read since.
func (a Applier) deleteAgain(ctx context.Context, repo string, items []*plan.Item) {
	if len(items) == 0 {
		return
	}
	for _, it := range items {
		it.Done, it.Reason = false, strings.TrimSuffix(it.Reason, noteGone)
	}
	var last *reread
	if byDigest(items) {
		last = a.recheck(ctx, repo, items)
	}
	fresh := a
	fresh.Fresh = false
	for _, group := range groups(ready(slices.Clone(items))) {
		fresh.deleteGroup(ctx, group, last)
	}
}

// danglingRounds bounds how often confirm removes or deletes again a tag the
// listing still shows.
const danglingRounds = 3

// listed reads the tag listing back, twice if need be: without it no deletion can be
// confirmed, and one listing's bad luck would fail them all.
func (a Applier) listed(ctx context.Context, repo string) ([]string, error) {
	tags, err := a.Registry.Tags(ctx, repo)
	if err != nil {
		tags, err = a.Registry.Tags(ctx, repo)
	}
	slices.Sort(tags)
	return tags, err
}

func errPrefix(it *plan.Item) string {
	if it.Error != "" {
		return it.Error + "; "
	}
	return fmt.Sprintf("deleted by %s, but ", it.Method)
}

// isDangling says whether a listed tag's manifest is missing.
func (a Applier) isDangling(ctx context.Context, it *plan.Item) bool {
	_, err := a.Registry.Resolve(ctx, it.Repository, it.Tag)
	return errors.Is(err, registry.ErrNotFound)
}

// removeDangling removes a tag whose manifest is missing by a method that needs no
// digest: it points at nothing, so nothing else can go with it.
// Like every deletion it is journaled first: with the planned manifest where that
// still reads (the 404 was not the truth), else not at all — the next sweep plans it
// as dangling.
func (a Applier) removeDangling(ctx context.Context, it *plan.Item) {
	if err := a.journalBefore(ctx, it); err != nil {
		a.logger().Warn("not removing a dangling tag", "image", it.Ref(), "error", err)
		return
	}
	method := it.Method
	if method == registry.MethodDigest {
		method = registry.MethodRetag
	}
	if err := a.Registry.Delete(ctx, it.Repository, it.Tag, registry.Manifest{}, method); err != nil && !errors.Is(err, registry.ErrNotFound) {
		a.logger().Warn("removing a dangling tag", "image", it.Ref(), "error", err)
	}
	if again := " (removed again: it was left dangling)"; !strings.HasSuffix(it.Reason, again) {
		it.Reason = strings.TrimSuffix(it.Reason, noteGone) + again
	}
}
