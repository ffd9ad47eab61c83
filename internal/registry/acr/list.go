package acr

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/containers/azcontainerregistry"
	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ManifestLister = (*Client)(nil)

// indexReads bounds the index reads of one listing in flight at once (the transport
// bounds the sweep's requests as a whole).
const indexReads = 8

// listedManifest is one manifest while the two listings are merged.
type listedManifest struct {
	registry.ListedManifest
	locked bool            // the manifest's own attributes forbid deleting it, or are unknown
	tags   map[string]bool // tag → locked (its attributes forbid removing it, or are unknown)
}

// ListManifests lists repo through ACR's two listings: GET /acr/v1/{repo}/_manifests
// (every manifest, tagged or not: digest, media type, size, the manifest's own
// attributes, its tags) and GET /acr/v1/{repo}/_tags (every tag: its digest and its
// own attributes, which the manifest listing does not carry), page by page. It then
// reads each index once (GET /v2/{repo}/manifests/{digest}) for its children, which
// the listing does not carry, and the repository's attributes once per Client. No tag
// is read on its own.
//
// An entry's Tags are every tag either listing puts on it. A tag only the manifest
// listing names (one the tag listing does not show: listEnabled false, or pushed
// between the two listings) has unknown attributes and counts as locked. A tag the
// tag listing shows on a digest the manifest listing left out (listEnabled false on
// the manifest, or a push in between) gets that manifest's attributes read. A tag the
// two listings put on different digests (moved in between) stays with the tag
// listing's digest, and the other entry gets Err. Subject is known for indexes only.
func (c *Client) ListManifests(ctx context.Context, repo string) ([]registry.ListedManifest, error) {
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return nil, err
	}
	listed, err := c.manifestPages(ctx, cl, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the manifests of %s: %w", repo, err)
	}
	tagDigest, tagLocked, err := c.tagPages(ctx, cl, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", repo, err)
	}
	repoLocked, err := c.repositoryLocked(ctx, repo)
	if err != nil {
		return nil, err
	}
	// Tags on manifests the manifest listing left out: read those manifests.
	for _, t := range slices.Sorted(maps.Keys(tagDigest)) {
		d := tagDigest[t]
		if listed[d] == nil {
			listed[d] = c.readAttributes(ctx, cl, repo, d)
		}
	}
	for d, e := range listed {
		for t := range e.tags {
			if td, ok := tagDigest[t]; ok && td != d {
				delete(e.tags, t)
				if e.Err == nil {
					e.Err = fmt.Errorf("tag %s moved to %s while %s was listed", t, td, repo)
				}
			}
		}
	}
	for t, d := range tagDigest {
		listed[d].tags[t] = tagLocked[t]
	}
	c.readIndexes(ctx, repo, listed)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("listing the manifests of %s: %w", repo, err)
	}
	out := make([]registry.ListedManifest, 0, len(listed))
	for _, d := range slices.Sorted(maps.Keys(listed)) {
		e := listed[d]
		e.Tags, e.LockedTags = nil, nil
		for _, t := range slices.Sorted(maps.Keys(e.tags)) {
			e.Tags = append(e.Tags, t)
			if e.tags[t] || e.locked || repoLocked {
				e.LockedTags = append(e.LockedTags, t)
			}
		}
		e.Locked = repoLocked || e.locked || len(e.LockedTags) > 0
		out = append(out, e.ListedManifest)
	}
	return out, nil
}

// manifestPages reads every page of GET /acr/v1/{repo}/_manifests. The tags an entry
// names count as locked until the tag listing says otherwise.
func (c *Client) manifestPages(ctx context.Context, cl *azcontainerregistry.Client, repo string) (map[string]*listedManifest, error) {
	pager := cl.NewListManifestsPager(repo, &azcontainerregistry.ClientListManifestsOptions{MaxNum: to.Ptr(c.pageSize)})
	listed := map[string]*listedManifest{}
	var links pageLinks
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, mapError(err)
		}
		for _, a := range page.Attributes {
			if a == nil || a.Digest == nil || *a.Digest == "" {
				return nil, fmt.Errorf("the registry listed a manifest without a digest")
			}
			listed[*a.Digest] = fromAttributes(a)
		}
		if err := links.next(page.Link, len(page.Attributes)); err != nil {
			return nil, err
		}
	}
	return listed, nil
}

// tagPages reads every page of GET /acr/v1/{repo}/_tags: each tag's digest, and
// whether its own attributes lock it.
func (c *Client) tagPages(ctx context.Context, cl *azcontainerregistry.Client, repo string) (digest map[string]string, locks map[string]bool, err error) {
	pager := cl.NewListTagsPager(repo, &azcontainerregistry.ClientListTagsOptions{MaxNum: to.Ptr(c.pageSize)})
	digest, locks = map[string]string{}, map[string]bool{}
	var links pageLinks
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, nil, mapError(err)
		}
		for _, t := range page.Tags {
			if t == nil || t.Name == nil || t.Digest == nil || *t.Digest == "" {
				return nil, nil, fmt.Errorf("the registry listed a tag without a name or digest")
			}
			digest[*t.Name], locks[*t.Name] = *t.Digest, locked(tagAttrs(t.ChangeableAttributes))
		}
		if err := links.next(page.Link, len(page.Tags)); err != nil {
			return nil, nil, err
		}
	}
	return digest, locks, nil
}

// fromAttributes is what ACR's attributes of a manifest say of it.
func fromAttributes(a *azcontainerregistry.ManifestAttributes) *listedManifest {
	e := &listedManifest{tags: map[string]bool{}}
	e.Digest = *a.Digest
	if a.MediaType != nil {
		e.MediaType = *a.MediaType
	}
	if a.Size != nil {
		e.Size = *a.Size
	}
	e.locked = locked(manifestAttrs(a.ChangeableAttributes))
	for _, t := range a.Tags {
		if t != nil {
			e.tags[*t] = true
		}
	}
	return e
}

// readAttributes reads one manifest the listing left out (GET
// /acr/v1/{repo}/_manifests/{digest}); when that fails, the entry holds everything
// (Err), and counts as locked unless the manifest is missing (a dangling tag, which
// only its own lock keeps).
func (c *Client) readAttributes(ctx context.Context, cl *azcontainerregistry.Client, repo, digest string) *listedManifest {
	mp, err := cl.GetManifestProperties(ctx, repo, digest, nil)
	e := &listedManifest{locked: true, tags: map[string]bool{}}
	e.Digest = digest
	switch err = mapError(err); {
	case errors.Is(err, registry.ErrNotFound):
		// A dangling tag: no manifest, so nothing but the tag's own attributes locks it.
		e.locked = false
		e.Err = fmt.Errorf("%s@%s, which a tag points at, is missing: %w", repo, digest, err)
	case err != nil:
		e.Err = fmt.Errorf("reading the attributes of %s@%s, which a tag points at but the manifest listing left out: %w", repo, digest, err)
	case mp.Manifest == nil || mp.Manifest.Digest == nil || *mp.Manifest.Digest != digest:
		e.Err = fmt.Errorf("reading the attributes of %s@%s: the registry sent none", repo, digest)
	default:
		return fromAttributes(mp.Manifest)
	}
	return e
}

// readIndexes reads each index (and each manifest of unknown media type) once for
// its children and subject; an index that cannot be read gets Err.
func (c *Client) readIndexes(ctx context.Context, repo string, listed map[string]*listedManifest) {
	var g errgroup.Group
	g.SetLimit(indexReads)
	for _, e := range listed {
		if e.Err != nil || (e.MediaType != "" && !registry.IsIndex(e.MediaType)) {
			continue
		}
		g.Go(func() error {
			if err := c.readBody(ctx, repo, &e.Manifest); err != nil {
				e.Err = fmt.Errorf("reading the index %s@%s for its children: %w", repo, e.Digest, err)
			}
			return nil
		})
	}
	_ = g.Wait()
}
