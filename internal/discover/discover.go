// Package discover reads what a registry holds: the repositories a sweep covers,
// every tag of a repository, and the manifests of the tags a decision needs —
// through the registry's manifest listing where it has one (one listing instead of
// a read per tag). A repository whose listing failed is returned with its error, so
// that nothing in it is deleted (safety rule 7). It imports registry and nothing
// below it.
package discover

import (
	"context"
	"errors"
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
	// Manifests is set when the registry's listing carried each tag's manifest
	// (registry.ManifestLister): no read per tag is needed.
	Manifests *Manifests
}

// Reader is what List and Read need of a registry.
type Reader interface {
	Tags(ctx context.Context, repo string) ([]string, error)
	Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error)
}

// Manifests is what is known of the manifests of a repository's tags.
type Manifests struct {
	ByTag      map[string]registry.Manifest
	Unresolved map[string]error // tags whose manifest could not be read
	Opaque     map[string]error // digests of indexes whose children could not be read
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

// List lists one repository: its tags, and their manifests where the registry's
// listing carries them.
func List(ctx context.Context, l Reader, name string) Repository {
	if ml, ok := l.(registry.ManifestLister); ok {
		listed, err := ml.ListManifests(ctx, name)
		if err != nil {
			return Repository{Name: name, Err: fmt.Errorf("listing tags of %s: %w", name, err)}
		}
		ms := fromListing(listed)
		r := Repository{Name: name, Manifests: ms}
		for tag := range ms.ByTag {
			r.Tags = append(r.Tags, tag)
		}
		for tag := range ms.Unresolved {
			r.Tags = append(r.Tags, tag)
		}
		slices.Sort(r.Tags)
		return r
	}
	tags, err := l.Tags(ctx, name)
	if err != nil {
		err = fmt.Errorf("listing tags of %s: %w", name, err)
	}
	slices.Sort(tags)
	return Repository{Name: name, Tags: tags, Err: err}
}

// fromListing indexes a manifest listing by tag. A tag is locked only by its own
// lock (LockedTags); a tag whose manifest is missing is dangling (unresolved with
// ErrNotFound); an entry that could not be read whole is opaque, holding everything.
func fromListing(listed []registry.ListedManifest) *Manifests {
	ms := &Manifests{ByTag: map[string]registry.Manifest{}, Unresolved: map[string]error{}, Opaque: map[string]error{}}
	for _, lm := range listed {
		if lm.Err != nil && !errors.Is(lm.Err, registry.ErrNotFound) {
			ms.Opaque[lm.Digest] = lm.Err
		}
		for _, tag := range lm.Tags {
			if lm.Err != nil && errors.Is(lm.Err, registry.ErrNotFound) {
				ms.Unresolved[tag] = lm.Err
				continue
			}
			m := lm.Manifest
			m.Locked = slices.Contains(lm.LockedTags, tag)
			ms.ByTag[tag] = m
		}
	}
	return ms
}

// Read resolves the manifests of tags in repo, through the manifest listing where
// the registry has one (one listing instead of a read per tag), else a read per tag,
// at most concurrency at once. A tag the listing no longer shows is unresolved with
// ErrNotFound.
func Read(ctx context.Context, l Reader, repo string, tags []string, concurrency int) (*Manifests, error) {
	if ml, ok := l.(registry.ManifestLister); ok {
		listed, err := ml.ListManifests(ctx, repo)
		if err != nil {
			return nil, fmt.Errorf("listing the manifests of %s: %w", repo, err)
		}
		all := fromListing(listed)
		ms := &Manifests{ByTag: map[string]registry.Manifest{}, Unresolved: map[string]error{}, Opaque: all.Opaque}
		for _, tag := range tags {
			if m, ok := all.ByTag[tag]; ok {
				ms.ByTag[tag] = m
			} else {
				ms.Unresolved[tag] = fmt.Errorf("%s:%s: %w: no longer listed", repo, tag, registry.ErrNotFound)
			}
		}
		return ms, nil
	}
	ms := &Manifests{ByTag: make(map[string]registry.Manifest, len(tags)), Unresolved: map[string]error{}}
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(max(concurrency, 1))
	for _, tag := range tags {
		g.Go(func() error {
			m, err := l.Resolve(ctx, repo, tag)
			if errors.Is(err, registry.ErrNotFound) {
				// A listed tag whose manifest is missing is removed without a digest,
				// and its manifest is not journaled: one 404 (a proxy's, a replica's)
				// is not enough to call it dangling.
				m, err = l.Resolve(ctx, repo, tag)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				ms.Unresolved[tag] = fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
			} else {
				ms.ByTag[tag] = m
			}
			return nil
		})
	}
	_ = g.Wait()
	return ms, nil
}
