// Package discover reads what a registry holds: the repositories a sweep covers and
// every tag in each, and, where a sweep will delete, the manifest each tag points
// at. A repository whose listing failed is returned with its error, so that nothing
// in it is deleted (safety rule 7). It imports registry and nothing below it.
package discover

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry"
)

// Repository is one repository's tags, complete unless Err is set.
type Repository struct {
	Name string
	Tags []string
	Err  error // the listing failed: Tags may be partial and nothing may be deleted
}

// Repositories returns the repositories the globs select, sorted. Globs without
// wildcards are taken as names, so a registry whose catalog is closed (or needs
// more privilege) can still be swept by naming its repositories.
func Repositories(ctx context.Context, l registry.Lister, globs []string) ([]string, error) {
	var names []string
	var patterns []string
	for _, g := range globs {
		if strings.ContainsAny(g, `*?[\`) {
			patterns = append(patterns, g)
		} else {
			names = append(names, g)
		}
	}
	if len(patterns) > 0 {
		all, err := l.Repositories(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing repositories: %w", err)
		}
		for _, repo := range all {
			for _, p := range patterns {
				if registry.MatchRepository(p, repo) {
					names = append(names, repo)
					break
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Tags lists every tag of each repository with at most concurrency listings at once.
func Tags(ctx context.Context, l registry.Lister, repos []string, concurrency int) []Repository {
	out := make([]Repository, len(repos))
	g := errgroup.Group{}
	g.SetLimit(max(concurrency, 1))
	for i, name := range repos {
		g.Go(func() error {
			tags, err := l.Tags(ctx, name)
			if err != nil {
				err = fmt.Errorf("listing tags of %s: %w", name, err)
			}
			slices.Sort(tags)
			out[i] = Repository{Name: name, Tags: tags, Err: err}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

// Manifests resolves each tag to its manifest. Tags that failed are in the second map
// with their error.
func Manifests(ctx context.Context, l registry.Lister, repo string, tags []string, concurrency int) (map[string]registry.Manifest, map[string]error) {
	found := make(map[string]registry.Manifest, len(tags))
	failed := map[string]error{}
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(max(concurrency, 1))
	for _, tag := range tags {
		g.Go(func() error {
			m, err := l.Resolve(ctx, repo, tag)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[tag] = fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
			} else {
				found[tag] = m
			}
			return nil
		})
	}
	_ = g.Wait()
	return found, failed
}
