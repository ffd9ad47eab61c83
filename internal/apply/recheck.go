package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// digestRepos lists the repositories where something is to be removed by digest.
func digestRepos(items []plan.Item) []string {
	var out []string
	for _, it := range items {
		if it.Action == policy.Delete && it.Method == registry.MethodDigest {
			out = append(out, it.Repository)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// recheckHolders re-reads every tag of repo and keeps each digest deletion whose
// manifest a tag not being deleted now uses: a tag pushed or moved onto it since the
// plan. If the tags cannot be read, no digest deletion in repo goes ahead.
func (a Applier) recheckHolders(ctx context.Context, items []plan.Item, repo string) {
	deleting := map[string]string{} // tag → planned digest
	for _, it := range items {
		if it.Repository == repo && it.Kind == plan.KindTag && it.Action == policy.Delete {
			deleting[it.Tag] = it.Digest
		}
	}
	holders, err := a.holders(ctx, repo, deleting)
	for i := range items {
		it := &items[i]
		if it.Repository != repo || it.Action != policy.Delete || it.Method != registry.MethodDigest {
			continue
		}
		switch {
		case err != nil:
			it.Error = fmt.Sprintf("re-reading the tags of %s before deleting by digest: %v", repo, err)
		case holders[it.Digest] != "":
			it.Action, it.Method = policy.Keep, ""
			it.Reason += fmt.Sprintf("; kept: %s uses this manifest now (changed since the decision)", holders[it.Digest])
		}
	}
}

// holders maps each digest that a tag other than the deleted ones uses, directly or
// as an index's child, to one such tag.
func (a Applier) holders(ctx context.Context, repo string, deleting map[string]string) (map[string]string, error) {
	tags, err := a.Registry.Tags(ctx, repo)
	if err != nil {
		return nil, err
	}
	held := map[string]string{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(a.Concurrency, 1))
	for _, tag := range tags {
		g.Go(func() error {
			m, err := a.Registry.Resolve(gctx, repo, tag)
			if errors.Is(err, registry.ErrNotFound) {
				return nil // deleted since the listing
			}
			if err != nil {
				return fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
			}
			if d, ok := deleting[tag]; ok && d == m.Digest {
				return nil // going anyway, as planned
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range append([]string{m.Digest}, m.Children...) {
				if held[d] == "" {
					held[d] = repo + ":" + tag
				}
			}
			return nil
		})
	}
	return held, g.Wait()
}
