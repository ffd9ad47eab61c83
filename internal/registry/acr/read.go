package acr

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/containers/azcontainerregistry"

	"github.com/prsweep/prsweep/internal/registry"
)

// Repositories lists the catalog (GET /acr/v1/_catalog), following every page.
func (c *Client) Repositories(ctx context.Context) ([]string, error) {
	cl, err := c.sdk("", forMetadata)
	if err != nil {
		return nil, err
	}
	pager := cl.NewListRepositoriesPager(&azcontainerregistry.ClientListRepositoriesOptions{MaxNum: to.Ptr(c.pageSize)})
	var names []string
	var links pageLinks
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the catalog of %s: %w", c.host, mapError(err))
		}
		for _, n := range page.Names {
			if n != nil {
				names = append(names, *n)
			}
		}
		if err := links.next(page.Link, len(page.Names)); err != nil {
			return nil, fmt.Errorf("listing the catalog of %s: %w", c.host, err)
		}
	}
	return names, nil
}

// Tags lists every tag of repo (GET /acr/v1/{repo}/_tags), following every page; a
// failed page fails the listing.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return nil, err
	}
	pager := cl.NewListTagsPager(repo, &azcontainerregistry.ClientListTagsOptions{MaxNum: to.Ptr(c.pageSize)})
	var tags []string
	var links pageLinks
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, mapError(err)
		}
		for _, t := range page.Tags {
			if t != nil && t.Name != nil {
				tags = append(tags, *t.Name)
			}
		}
		if err := links.next(page.Link, len(page.Tags)); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

// pageLinks guards a listing against a registry whose next-page links go round in
// a circle or keep coming with empty pages.
type pageLinks struct{ seen map[string]bool }

func (p *pageLinks) next(link *string, items int) error {
	if link == nil || *link == "" {
		return nil
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[*link] || items == 0 {
		return errors.New("the registry's next-page links do not end")
	}
	p.seen[*link] = true
	return nil
}

// Resolve reads what repo:tag points at from ACR's attributes: the tag's digest
// and locks, the manifest's media type, size, platform children (for indexes) and
// locks, and the repository's locks. For OCI manifests, which may have a subject,
// it also reads the manifest itself. Everything but the repository's locks is read
// afresh on every call: apply re-reads a tag just before deleting it.
func (c *Client) Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error) {
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return registry.Manifest{}, err
	}
	tp, err := cl.GetTagProperties(ctx, repo, tag, nil)
	if err != nil {
		return registry.Manifest{}, fmt.Errorf("reading the attributes of %s:%s: %w", repo, tag, mapError(err))
	}
	ta := tp.Tag
	if ta == nil || ta.Digest == nil || *ta.Digest == "" {
		return registry.Manifest{}, fmt.Errorf("reading the attributes of %s:%s: the registry sent no digest", repo, tag)
	}
	m := registry.Manifest{Digest: *ta.Digest}
	mp, err := cl.GetManifestProperties(ctx, repo, m.Digest, nil)
	if err != nil {
		err = mapError(err)
		if errors.Is(err, registry.ErrNotFound) {
			// The tag was there a moment ago: not "already gone", which would count as done.
			err = fmt.Errorf("the manifest of the tag is missing: %s", err.Error())
		}
		return registry.Manifest{}, fmt.Errorf("reading the attributes of %s@%s: %w", repo, m.Digest, err)
	}
	ma := mp.Manifest
	if ma == nil {
		return registry.Manifest{}, fmt.Errorf("reading the attributes of %s@%s: the registry sent none", repo, m.Digest)
	}
	if ma.MediaType != nil {
		m.MediaType = *ma.MediaType
	}
	if ma.Size != nil {
		m.Size = *ma.Size
	}
	for _, r := range ma.RelatedArtifacts {
		if r != nil && r.Digest != nil {
			m.Children = append(m.Children, *r.Digest)
		}
	}
	repoLocked, err := c.repositoryLocked(ctx, repo)
	if err != nil {
		return registry.Manifest{}, err
	}
	m.Locked = repoLocked || locked(tagAttrs(ta.ChangeableAttributes)) || locked(manifestAttrs(ma.ChangeableAttributes))
	if needsBody(m) {
		if err := c.readBody(ctx, repo, &m); err != nil {
			return registry.Manifest{}, err
		}
	}
	return m, nil
}

// needsBody: the attributes do not say everything. An OCI manifest or index may
// name a subject; an index whose attributes list no children (or a media type ACR
// did not give) must be read to know its children.
func needsBody(m registry.Manifest) bool {
	switch m.MediaType {
	case registry.MediaTypeDockerManifest:
		return false
	case registry.MediaTypeDockerList:
		return len(m.Children) == 0
	}
	return true
}

// repoLock is a repository's lock state, read once per Client.
type repoLock struct {
	mu     sync.Mutex // held while it is read, so that concurrent Resolves ask once
	read   bool
	locked bool
}

// repositoryLocked reads the repository's attributes, once per Client: a locked
// repository locks every image in it.
func (c *Client) repositoryLocked(ctx context.Context, repo string) (bool, error) {
	c.mu.Lock()
	rl, ok := c.repoLocks[repo]
	if !ok {
		rl = &repoLock{}
		c.repoLocks[repo] = rl
	}
	c.mu.Unlock()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.read {
		return rl.locked, nil
	}
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return false, err
	}
	rp, err := cl.GetRepositoryProperties(ctx, repo, nil)
	if err != nil {
		return false, fmt.Errorf("reading the attributes of repository %s: %w", repo, mapError(err))
	}
	a := rp.ChangeableAttributes
	rl.read, rl.locked = true, a == nil || locked(attrs{a.CanDelete, a.CanWrite})
	return rl.locked, nil
}

// attrs are the two changeable attributes that guard deletion.
type attrs struct{ deleteEnabled, writeEnabled *bool }

// locked: deletion is forbidden, or the attributes are missing (an answer ACR does
// not document keeps the image).
func locked(a attrs) bool {
	return a.deleteEnabled == nil || a.writeEnabled == nil || !*a.deleteEnabled || !*a.writeEnabled
}

func tagAttrs(a *azcontainerregistry.TagWriteableProperties) attrs {
	if a == nil {
		return attrs{}
	}
	return attrs{a.CanDelete, a.CanWrite}
}

func manifestAttrs(a *azcontainerregistry.ManifestWriteableProperties) attrs {
	if a == nil {
		return attrs{}
	}
	return attrs{a.CanDelete, a.CanWrite}
}
