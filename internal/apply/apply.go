package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
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
	// Fresh says the items' digests were read just now, in the same pass (prsweep
	// run): that read is the re-check of safety rule 5 for the first wave. A saved
	// plan is not fresh: each tag is read again before its deletion. A later wave's
	// tags are read again whatever Fresh says.
	Fresh bool
}

// inFlight bounds a deletion that started before the sweep was told to stop: it
// finishes on its own time, not the cancelled context's.
const inFlight = 2 * time.Minute

// Apply carries out every delete item and records the outcome on it, in place,
// repository by repository, several at once. A cancelled context leaves the items
// not yet started not done, with the error.
func (a Applier) Apply(ctx context.Context, items []plan.Item) {
	byRepo := map[string][]*plan.Item{}
	var order []string
	for i := range items {
		name := items[i].Repository
		if _, ok := byRepo[name]; !ok {
			order = append(order, name)
		}
		byRepo[name] = append(byRepo[name], &items[i])
	}
	g := errgroup.Group{}
	g.SetLimit(max(a.Concurrency, 1))
	for _, name := range order {
		g.Go(func() error {
			a.ApplyRepo(ctx, name, byRepo[name])
			return nil
		})
	}
	_ = g.Wait()
}

// ApplyRepo carries out the delete items of one repository: it proves or replaces
// untag, re-reads what digest deletions depend on just before them, deletes in waves
// (a tag before what goes with it, an index before its children), and confirms each
// tag gone by reading the tag listing back (safety rule 8).
func (a Applier) ApplyRepo(ctx context.Context, repo string, items []*plan.Item) {
	if !pending(items) {
		return
	}
	a.proveUntag(ctx, repo, items)
	byRef := map[string]*plan.Item{}
	for _, it := range items {
		byRef[it.Ref()] = it
	}
	started := map[*plan.Item]bool{}
	var last *reread
	var listed []string // the tags the last confirmation read back; nil before one
	for n := 0; ; n++ {
		wave := nextWave(items, byRef, started)
		if len(wave) == 0 {
			break
		}
		for _, it := range wave {
			started[it] = true
		}
		wa := a
		if n > 0 {
			// A later wave's tags are read again just before it (safety rule 5): any
			// read in hand — the decision's, the re-check before an earlier wave —
			// is older than that wave's requests, and a tag may be pushed again
			// meanwhile (cosign signing again).
			wa.Fresh = false
		}
		switch {
		case byDigest(wave):
			// Re-read the repository just before every wave of digest deletions: a
			// tag moved onto a later wave's digest changes no tag name.
			last, listed = a.recheckTags(ctx, repo, items, listed), nil
			wave = ready(wave)
		case n > 0:
			last = a.rereadWave(ctx, repo, wave, listed)
		}
		// What goes with a tag waits until the tag is confirmed gone.
		if tags, ok := a.confirm(ctx, repo, wa.run(ctx, repo, wave, last)); ok {
			listed = tags
		}
	}
}

// pending reports whether anything is left to delete.
func pending(items []*plan.Item) bool {
	for _, it := range items {
		if it.Action == policy.Delete && !it.Done && !it.Failed() {
			return true
		}
	}
	return false
}

// nextWave picks the deletions whose owner (LinkedTo) is done; a deletion whose
// owner was not deleted is kept.
func nextWave(items []*plan.Item, byRef map[string]*plan.Item, started map[*plan.Item]bool) []*plan.Item {
	var wave []*plan.Item
	for _, it := range items {
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
	return wave
}

func byDigest(wave []*plan.Item) bool {
	for _, it := range wave {
		if it.Method == registry.MethodDigest {
			return true
		}
	}
	return false
}

// ready drops what the re-check kept or failed.
func ready(wave []*plan.Item) []*plan.Item {
	out := wave[:0]
	for _, it := range wave {
		if it.Action == policy.Delete && !it.Failed() {
			out = append(out, it)
		}
	}
	return out
}

// proveUntag asks a registry whose untag is not yet trusted to prove it in repo;
// where it cannot, the tags are retagged instead, which removes only the tag too.
func (a Applier) proveUntag(ctx context.Context, repo string, items []*plan.Item) {
	prover, ok := a.Registry.(registry.UntagProver)
	if !ok {
		return
	}
	var untag []*plan.Item
	for _, it := range items {
		if it.Action == policy.Delete && it.Method == registry.MethodUntag && !it.Done && !it.Failed() {
			untag = append(untag, it)
		}
	}
	if len(untag) == 0 || ctx.Err() != nil {
		return
	}
	err := prover.ProveUntag(ctx, repo)
	switch {
	case err == nil:
	case errors.Is(err, registry.ErrUnsupported):
		a.logger().Warn("tag deletion not proven to remove only the tag: retagging instead", "repository", repo, "error", err)
		for _, it := range untag {
			it.Method = registry.MethodRetag
			it.Reason += " (retagged: the registry's tag deletion is not proven to remove only the tag)"
		}
	default:
		// A hiccup proves nothing: keep the tags this time rather than change method.
		for _, it := range untag {
			it.Error = err.Error()
		}
	}
}

// run deletes one wave of items, a bounded number at a time, and returns the tag
// items it tried, for confirmation. Tags deleted by the same digest share one DELETE.
func (a Applier) run(ctx context.Context, repo string, wave []*plan.Item, last *reread) []*plan.Item {
	var tried []*plan.Item
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(max(a.Concurrency, 1))
	for _, group := range groups(wave) {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				for _, it := range group {
					it.Error = fmt.Sprintf("not attempted: the sweep was stopped (%v)", err)
				}
				return nil
			}
			// Stopping (a signal, the sweep's deadline) starts no new deletion; one
			// already started completes and is journaled.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inFlight)
			defer cancel()
			done := a.deleteGroup(ctx, group, last)
			mu.Lock()
			tried = append(tried, done...)
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return tried
}

// groups puts tag items deleted by the same digest together (one DELETE removes
// them all); every other item is a group of its own.
func groups(wave []*plan.Item) [][]*plan.Item {
	var out [][]*plan.Item
	at := map[string]int{}
	for _, it := range wave {
		if it.Kind == plan.KindTag && it.Method == registry.MethodDigest && it.Digest != "" {
			if i, ok := at[it.Digest]; ok {
				out[i] = append(out[i], it)
				continue
			}
			at[it.Digest] = len(out)
		}
		out = append(out, []*plan.Item{it})
	}
	return out
}

func (a Applier) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}
