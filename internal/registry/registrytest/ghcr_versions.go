package registrytest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ghcrVersion is a package version: one manifest of the backend.
type ghcrVersion struct {
	id      int64
	digest  string
	tags    []string
	created time.Time
}

// The backend has no API that lists a repository's manifests, so the fake knows a
// manifest as a version once it has seen it: as the target of a tag, as the child
// of an index it knows, or because a tag moved away from it through the fake (GHCR
// keeps a manifest that lost its last tag as an untagged version). Until a version
// deletion removes it from the backend, it stays a version, tagged or not.

// remember notes manifests of repo that are versions while they exist.
func (g *GHCR) remember(repo string, digests ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seen.add(repo, digests...)
}

// versions returns repo's versions, newest first; errNoSuch when the backend has no
// such repository or it holds no manifest.
func (g *GHCR) versions(ctx context.Context, repo string) ([]ghcrVersion, error) {
	g.mu.Lock()
	queue := g.seen.of(repo)
	g.mu.Unlock()
	tags, err := g.backend.tags(ctx, repo)
	if err != nil {
		return nil, err
	}
	tagged := map[string][]string{}
	for _, t := range tags {
		tagged[t.digest] = append(tagged[t.digest], t.name)
		queue = append(queue, t.digest)
	}
	found, err := g.backend.manifests(ctx, repo, queue)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errNoSuch
	}
	var out []ghcrVersion
	g.mu.Lock()
	defer g.mu.Unlock()
	digests := make([]string, 0, len(found))
	for d := range found {
		digests = append(digests, d)
	}
	slices.Sort(digests) // ids in a stable order
	g.seen.add(repo, digests...)
	for _, d := range digests {
		key := repo + "@" + d
		if g.ids[key] == 0 {
			g.nextID++
			g.ids[key], g.created[key] = g.nextID, g.now().UTC().Truncate(time.Second)
		}
		tags := slices.Clone(tagged[d])
		slices.Sort(tags)
		out = append(out, ghcrVersion{id: g.ids[key], digest: d, tags: tags, created: g.created[key]})
	}
	slices.SortFunc(out, func(a, b ghcrVersion) int { return int(b.id - a.id) })
	return out, nil
}

// deleteVersion deletes version id of repo the way GitHub does: the manifest, with
// every tag on it, unless GitHub refuses. It answers the status and message. It
// reads the tags and the one manifest, not every manifest of the package as a
// listing does: that made the fake most of a benchmark's time.
func (g *GHCR) deleteVersion(ctx context.Context, repo string, id int64) (int, string) {
	g.mu.Lock()
	digest := ""
	for key, i := range g.ids {
		if r, d, _ := strings.Cut(key, "@"); i == id && r == repo {
			digest = d
		}
	}
	g.mu.Unlock()
	tags, err := g.backend.tags(ctx, repo)
	if errors.Is(err, errNoSuch) {
		return http.StatusNotFound, "Package not found."
	}
	if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	if digest == "" {
		return http.StatusNotFound, "Package version not found."
	}
	if _, err := g.backend.manifest(ctx, repo, digest, http.MethodHead); errors.Is(err, errNoSuch) {
		return http.StatusNotFound, "Package version not found."
	} else if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	v := ghcrVersion{id: id, digest: digest}
	var vs []ghcrVersion
	for _, t := range tags {
		if t.digest == digest {
			v.tags = append(v.tags, t.name)
		} else {
			vs = append(vs, ghcrVersion{digest: t.digest, tags: []string{t.name}})
		}
	}
	otherTagged := len(vs) > 0 // a tag on another manifest: another tagged version
	g.mu.Lock()
	popular := g.downloads[repo+"@"+v.digest]
	g.mu.Unlock()
	switch {
	case popular:
		return http.StatusBadRequest, "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."
	case len(v.tags) > 0 && !otherTagged:
		return http.StatusBadRequest, "You cannot delete the last tagged version of a package. You must delete the package instead."
	}
	if err := g.backend.delete(ctx, repo, v.digest); err != nil && !errors.Is(err, errNoSuch) {
		return http.StatusInternalServerError, err.Error()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	key := repo + "@" + v.digest
	delete(g.seen[repo], v.digest)
	delete(g.ids, key)
	delete(g.created, key)
	return http.StatusNoContent, ""
}

// packages returns the backend's repositories that hold a version, sorted.
func (g *GHCR) packages(ctx context.Context) (map[string][]ghcrVersion, []string, error) {
	repos, err := g.backend.list(ctx, "/v2/_catalog", "repositories")
	if err != nil {
		return nil, nil, err
	}
	all := map[string][]ghcrVersion{}
	var names []string
	for _, repo := range repos {
		vs, err := g.versions(ctx, repo)
		if errors.Is(err, errNoSuch) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("versions of %s: %w", repo, err)
		}
		all[repo] = vs
		names = append(names, repo)
	}
	slices.Sort(names)
	return all, names, nil
}
