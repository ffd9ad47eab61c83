// Package apply carries out a plan against a registry: for each tag to delete it
// re-reads the tag first and keeps it when it changed since the decision (safety
// rule 5), deletes it by the planned method, counts "already gone" as done, and
// records the outcome on the item. Deletions run with bounded concurrency; one
// failure never stops the others (safety rule 4). It imports plan, policy and
// registry.
package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Registry is what apply needs: re-reading a tag and deleting it.
type Registry interface {
	Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error)
	Delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error
}

// Applier deletes the planned tags.
type Applier struct {
	Registry    Registry
	Concurrency int
	Logger      *slog.Logger
}

// Apply deletes every delete item and records the outcome on it. Items are updated
// in place; a cancelled context leaves the remaining items not done, with the error.
func (a Applier) Apply(ctx context.Context, items []plan.Item) {
	log := a.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := errgroup.Group{}
	g.SetLimit(max(a.Concurrency, 1))
	for i := range items {
		if items[i].Action != policy.Delete {
			continue
		}
		it := &items[i]
		g.Go(func() error {
			a.one(ctx, it)
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

func (a Applier) one(ctx context.Context, it *plan.Item) {
	if err := ctx.Err(); err != nil {
		it.Error = fmt.Sprintf("not attempted: %v", err)
		return
	}
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
	err = a.Registry.Delete(ctx, it.Repository, it.Tag, now, it.Method)
	switch {
	case err == nil:
		it.Done = true
	case errors.Is(err, registry.ErrNotFound):
		it.Done, it.Reason = true, it.Reason+" (already gone)"
	default:
		it.Error = fmt.Sprintf("deleting by %s: %v", it.Method, err)
	}
}
