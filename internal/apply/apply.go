package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Registry is what apply needs: reading tags back and deleting.
type Registry interface {
	Tags(ctx context.Context, repo string) ([]string, error)
	Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error)
	Delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error
}

// Applier deletes the planned tags and manifests.
type Applier struct {
	Registry    Registry
	Concurrency int
	Logger      *slog.Logger
	// Audit, when set, journals each deletion: the manifest before, the outcome after.
	// A deletion whose manifest cannot be journaled does not happen.
	Audit *audit.Log
	Host  string // the registry, as the journal names it
}

// inFlight bounds a deletion that started before the sweep was told to stop: it
// finishes on its own time, not the cancelled context's.
const inFlight = 2 * time.Minute

// Apply carries out every delete item and records the outcome on it, in place. A
// cancelled context leaves the items not yet started not done, with the error.
func (a Applier) Apply(ctx context.Context, items []plan.Item) {
	for _, repo := range digestRepos(items) {
		a.recheckHolders(ctx, items, repo)
	}
	// Waves: first what stands alone, then what goes with something already deleted
	// (signatures, manifests left untagged, children), never before its owner.
	byRef := map[string]*plan.Item{}
	for i := range items {
		byRef[items[i].Ref()] = &items[i]
	}
	started := map[*plan.Item]bool{}
	for {
		var wave []*plan.Item
		for i := range items {
			it := &items[i]
			if started[it] || it.Action != policy.Delete || it.Failed() {
				continue
			}
			if it.Done { // gone before the sweep got to it
				started[it] = true
				continue
			}
			owner := byRef[it.LinkedTo]
			switch {
			case it.LinkedTo == "":
			case owner == nil || owner.Action != policy.Delete || owner.Failed():
				it.Action, it.Method = policy.Keep, ""
				it.Reason += "; kept: " + it.LinkedTo + " was not deleted"
				continue
			case !owner.Done:
				continue // the owner's wave has not run yet
			}
			wave = append(wave, it)
		}
		if len(wave) == 0 {
			return
		}
		for _, it := range wave {
			started[it] = true
		}
		a.run(ctx, wave)
	}
}

// run deletes one wave of items, a bounded number at a time.
func (a Applier) run(ctx context.Context, wave []*plan.Item) {
	log := a.logger()
	g := errgroup.Group{}
	g.SetLimit(max(a.Concurrency, 1))
	for _, it := range wave {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				it.Error = fmt.Sprintf("not attempted: the sweep was stopped (%v)", err)
				return nil
			}
			// Stopping (a signal, the sweep's deadline) starts no new deletion; one
			// already started completes and is journaled.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inFlight)
			defer cancel()
			if it.Kind == plan.KindManifest {
				a.delete(ctx, it, "", registry.Manifest{Digest: it.Digest})
			} else {
				a.deleteTag(ctx, it)
			}
			switch {
			case it.Done:
				log.Info("deleted", "image", it.Ref(), "digest", it.Digest, "method", it.Method, "reason", it.Reason)
			case it.Failed():
				log.Warn("not deleted", "image", it.Ref(), "error", it.Error)
			default:
				log.Info("kept", "image", it.Ref(), "reason", it.Reason)
			}
			return nil
		})
	}
	_ = g.Wait()
}

func (a Applier) deleteTag(ctx context.Context, it *plan.Item) {
	now, err := a.Registry.Resolve(ctx, it.Repository, it.Tag)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		it.Done, it.Reason = true, it.Reason+" (already gone)"
		return
	case err != nil:
		it.Error = fmt.Sprintf("re-reading before deletion: %v", err)
		return
	case now.Digest != it.Digest:
		it.Action, it.Method = policy.Keep, ""
		it.Reason = fmt.Sprintf("%s; kept: the tag now points at %s, not %s (pushed again since the decision)", it.Reason, now.Digest, it.Digest)
		return
	}
	a.delete(ctx, it, it.Tag, now)
}

func (a Applier) delete(ctx context.Context, it *plan.Item, tag string, m registry.Manifest) {
	if err := a.journalBefore(ctx, it); err != nil {
		it.Error = err.Error()
		return
	}
	err := a.Registry.Delete(ctx, it.Repository, tag, m, it.Method)
	defer a.journalAfter(it)
	switch {
	case err == nil:
		it.Done = true
	case errors.Is(err, registry.ErrNotFound):
		it.Done, it.Reason = true, it.Reason+" (already gone)"
	case errors.Is(err, registry.ErrLocked):
		// A lock set since the plan (or on a manifest the plan could not see) wins.
		it.Action, it.Method = policy.Keep, ""
		it.Reason += "; kept: locked by the registry"
	case a.gone(ctx, it):
		// The registry did it, but its answer was lost (a reset, a 5xx after the fact).
		it.Done, it.Reason = true, it.Reason+fmt.Sprintf(" (deleted, though the registry's answer was lost: %v)", err)
	default:
		it.Error = fmt.Sprintf("deleting by %s: %v", it.Method, err)
	}
}

// gone reads the item back after a failed deletion: is the tag (or manifest) gone?
// Only a positive "not found" counts.
func (a Applier) gone(ctx context.Context, it *plan.Item) bool {
	if it.Kind == plan.KindManifest {
		store, ok := a.Registry.(registry.ManifestStore)
		if !ok {
			return false
		}
		_, _, err := store.Manifest(ctx, it.Repository, it.Digest)
		return errors.Is(err, registry.ErrNotFound)
	}
	_, err := a.Registry.Resolve(ctx, it.Repository, it.Tag)
	return errors.Is(err, registry.ErrNotFound)
}

func (a Applier) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}
