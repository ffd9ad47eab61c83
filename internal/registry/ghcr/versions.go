package ghcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry"
)

// manifestReads bounds the manifest reads of one listing in flight at once (the
// limiter bounds the sweep's requests as a whole).
const manifestReads = 8

// version is one package version as GitHub lists it: one manifest.
type version struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"` // the manifest digest
	CreatedAt time.Time `json:"created_at"`
	Metadata  struct {
		PackageType string `json:"package_type"`
		Container   *struct {
			Tags []string `json:"tags"`
		} `json:"container"`
	} `json:"metadata"`
}

func (v version) tags() []string {
	if v.Metadata.Container == nil {
		return nil
	}
	return v.Metadata.Container.Tags
}

func (v version) check() error {
	alg, hex, ok := strings.Cut(v.Name, ":")
	if v.ID <= 0 || !ok || (alg != "sha256" && alg != "sha512") || hex == "" {
		return fmt.Errorf("a version whose name is not a manifest digest (id %d, name %q)", v.ID, v.Name)
	}
	return nil
}

// versionsPath lists a package's active versions, newest first.
func (c *Client) versionsPath(ctx context.Context, repo string) (string, error) {
	p, err := c.packagePath(ctx, repo)
	if err != nil {
		return "", err
	}
	return p + "/versions", nil
}

// listVersions reads every page of GET …/packages/container/{name}/versions and
// keeps the result as the repository's last listing (Delete checks a version
// against it). A version listed twice (the pages shifted under a push) counts once.
//
// GitHub pages by number, newest first: a version deleted by someone else while
// the pages are read can shift one version past the listing. prsweep's own
// deletions in a repository never overlap its listings.
func (c *Client) listVersions(ctx context.Context, repo string) ([]version, error) {
	p, err := c.versionsPath(ctx, repo)
	if err != nil {
		return nil, err
	}
	var out []version
	seen := map[int64]bool{}
	err = c.pages(ctx, p+"?per_page="+strconv.Itoa(c.pageSize)+"&state=active", func(body []byte) error {
		var page []version
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		for _, v := range page {
			if err := v.check(); err != nil {
				return err
			}
			if !seen[v.ID] {
				seen[v.ID] = true
				out = append(out, v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byDigest := make(map[string]version, len(out))
	for _, v := range out {
		if _, dup := byDigest[v.Name]; !dup {
			byDigest[v.Name] = v
		}
	}
	c.mu.Lock()
	c.versions[repo] = byDigest
	c.mu.Unlock()
	return out, nil
}

// Tags lists every tag of repo: the tags of all its versions.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	vs, err := c.listVersions(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of %s: %w", repo, err)
	}
	var tags []string
	shown := map[string][]string{}
	for _, v := range vs {
		tags = append(tags, v.tags()...)
		shown[v.Name] = append(shown[v.Name], v.tags()...)
	}
	c.show(repo, shown)
	slices.Sort(tags)
	return slices.Compact(tags), nil
}

// show keeps what a listing handed to the engine: the tags on each digest.
func (c *Client) show(repo string, tags map[string][]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shown[repo] = tags
}

// shownTags returns the tags the engine was last shown on digest.
func (c *Client) shownTags(repo, digest string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.shown[repo][digest])
}

// ListManifests lists repo's versions: each one manifest, tagged or not, with its
// tags. Media type, children and subject come from the manifest itself, read
// through the OCI API once per digest for the Client's life; one that cannot be
// read gets Err. A tag two versions carry (moved while the pages were read) stays
// with the newer, listed first, and the other version gets Err.
func (c *Client) ListManifests(ctx context.Context, repo string) ([]registry.ListedManifest, error) {
	vs, err := c.listVersions(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of %s: %w", repo, err)
	}
	byDigest := map[string]*registry.ListedManifest{}
	tagAt := map[string]string{}
	for _, v := range vs {
		lm := byDigest[v.Name]
		if lm == nil {
			lm = &registry.ListedManifest{Manifest: registry.Manifest{Digest: v.Name}}
			byDigest[v.Name] = lm
		}
		for _, t := range v.tags() {
			if d, ok := tagAt[t]; ok && d != v.Name {
				if lm.Err == nil {
					lm.Err = fmt.Errorf("tag %s moved to %s while %s was listed", t, d, repo)
				}
				continue
			}
			tagAt[t] = v.Name
			lm.Tags = append(lm.Tags, t)
		}
	}
	c.describe(ctx, repo, byDigest)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("listing the versions of %s: %w", repo, err)
	}
	out := make([]registry.ListedManifest, 0, len(byDigest))
	shown := map[string][]string{}
	for _, d := range slices.Sorted(maps.Keys(byDigest)) {
		lm := byDigest[d]
		slices.Sort(lm.Tags)
		lm.Tags = slices.Compact(lm.Tags)
		out = append(out, *lm)
		shown[d] = lm.Tags
	}
	c.show(repo, shown)
	return out, nil
}

// manifestInfo is what a manifest says of itself that a listing does not.
type manifestInfo struct {
	mediaType string
	children  []string
	subject   string
	// described: taken from an index's descriptor, not read; a tagged manifest is
	// read all the same (what a kept tag holds is never taken on another's word).
	described bool
}

// describe fills in each entry's media type, children and subject, reading the
// manifests not yet known (at most manifestReads at once): the tagged ones first,
// then the untagged ones that no index read names as a platform image. A platform
// image's media type is its descriptor's in the index; it is taken for one without
// a subject (an image of an index is not a referrer: were it one, it would only be
// kept beside its subject), so it costs no read. The engine reads an untagged
// manifest for nothing else: children count from tagged manifests only.
func (c *Client) describe(ctx context.Context, repo string, entries map[string]*registry.ListedManifest) {
	tagged := func(lm *registry.ListedManifest) bool { return len(lm.Tags) > 0 }
	untagged := func(lm *registry.ListedManifest) bool { return len(lm.Tags) == 0 }
	for _, pick := range []func(*registry.ListedManifest) bool{tagged, untagged} {
		var g errgroup.Group
		g.SetLimit(manifestReads)
		for d, lm := range entries {
			if !pick(lm) {
				continue
			}
			if info, ok := c.known(repo, d); ok && !(info.described && tagged(lm)) {
				info.fill(&lm.Manifest)
				continue
			}
			g.Go(func() error {
				info, err := c.readInfo(ctx, repo, d)
				switch {
				case errors.Is(err, registry.ErrNotFound):
					lm.Err = fmt.Errorf("%s@%s is listed as a version, but the registry does not have it: %w", repo, d, err)
				case err != nil:
					if lm.Err == nil {
						lm.Err = fmt.Errorf("reading %s@%s for its media type and children: %w", repo, d, err)
					}
				default:
					info.fill(&lm.Manifest)
				}
				return nil
			})
		}
		_ = g.Wait()
	}
}

func (i manifestInfo) fill(m *registry.Manifest) {
	m.MediaType, m.Subject = i.mediaType, i.subject
	m.Children = slices.Clone(i.children)
}

func (c *Client) known(repo, digest string) (manifestInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.manifests[repo+"@"+digest]
	return info, ok
}

// readInfo reads a manifest by digest through the OCI API and keeps what it says.
func (c *Client) readInfo(ctx context.Context, repo, digest string) (manifestInfo, error) {
	raw, mediaType, err := c.Manifest(ctx, repo, digest)
	if err != nil {
		return manifestInfo{}, err
	}
	var doc struct {
		MediaType string `json:"mediaType"`
		Subject   *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
		Manifests []struct {
			Digest    string `json:"digest"`
			MediaType string `json:"mediaType"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return manifestInfo{}, fmt.Errorf("reading manifest %s@%s: %w", repo, digest, err)
	}
	info := manifestInfo{mediaType: mediaType}
	if info.mediaType == "" || info.mediaType == "application/json" {
		info.mediaType = doc.MediaType
	}
	if doc.Subject != nil {
		info.subject = doc.Subject.Digest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range doc.Manifests {
		info.children = append(info.children, m.Digest)
		key := repo + "@" + m.Digest
		if _, known := c.manifests[key]; !known && registry.IsIndex(info.mediaType) && platformImage(m.MediaType) {
			c.manifests[key] = manifestInfo{mediaType: m.MediaType, described: true}
		}
	}
	c.manifests[repo+"@"+digest] = info
	return info, nil
}

// platformImage says whether an index's descriptor names an image manifest (which
// lists no manifests of its own).
func platformImage(mediaType string) bool {
	return mediaType == registry.MediaTypeOCIManifest || mediaType == registry.MediaTypeDockerManifest
}
