package ghcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prsweep/prsweep/internal/registry"
)

// Capabilities: GHCR deletes whole versions (a manifest with every tag on it) and
// has no tag-only delete; a tag that shares its version with a kept tag is moved to
// a throwaway manifest whose version is deleted. Whether the token may delete shows
// at the first deletion (Check reads a classic token's scopes).
func (c *Client) Capabilities(context.Context, string) (registry.Capabilities, error) {
	return registry.Capabilities{Digest: true, Retag: true}, nil
}

// Delete removes repo:tag, which points at m: by digest (DELETE of m's package
// version, which takes every tag on it), or by retag (the tag is pointed at a
// throwaway manifest, whose new version is deleted). A 404 is registry.ErrNotFound;
// a version that carries a tag the last listing did not show is registry.ErrInUse;
// GitHub's refusals (a public version downloaded more than 5,000 times, a
// package's last tagged version) wrap registry.ErrUnsupported.
func (c *Client) Delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error {
	switch method {
	case registry.MethodDigest:
		if m.Digest == "" {
			return fmt.Errorf("deleting %s:%s by digest: no digest", repo, tag)
		}
		return c.deleteDigest(ctx, repo, tag, m.Digest)
	case registry.MethodRetag:
		return c.retag(ctx, repo, tag, m.Digest)
	}
	return fmt.Errorf("deleting %s:%s: %w: method %q (GHCR deletes whole package versions only)", repo, tag, registry.ErrUnsupported, method)
}

// deleteDigest deletes digest's version. Its tags are read again just before the
// DELETE: a tag on it other than tag that the last listing handed to the engine did
// not show there (pushed since, or never shown) would go with it, and keeps the
// version. In a package of one page that read is a listing shared with the other
// deletions waiting for one (fresh.go); else a GET of the version.
func (c *Client) deleteDigest(ctx context.Context, repo, tag, digest string) error {
	v, ok := c.listed(repo, digest)
	if !ok {
		if _, err := c.listVersions(ctx, repo); err != nil {
			return fmt.Errorf("finding the version of %s@%s: %w", repo, digest, err)
		}
		if v, ok = c.listed(repo, digest); !ok {
			return fmt.Errorf("finding the version of %s@%s: %w: GitHub lists none", repo, digest, registry.ErrNotFound)
		}
	}
	allowed := append(c.shownTags(repo, digest), tag)
	if c.onePage(repo) {
		vs, err := c.freshVersions(ctx, repo)
		if err != nil {
			return fmt.Errorf("reading the versions of %s again before deleting %s: %w", repo, digest, err)
		}
		if fresh, ok := vs[digest]; ok {
			return c.deleteFresh(ctx, repo, fresh, allowed)
		}
		// Not listed now: gone, or listed late. The version's own read says which.
	}
	return c.deleteVersion(ctx, repo, v, allowed)
}

// deleteVersion reads version v again and deletes it, unless it carries a tag
// outside allowed or names another digest now.
func (c *Client) deleteVersion(ctx context.Context, repo string, v version, allowed []string) error {
	base, err := c.versionsPath(ctx, repo)
	if err != nil {
		return err
	}
	var fresh version
	if _, err := c.getJSON(ctx, base+"/"+strconv.FormatInt(v.ID, 10), &fresh); err != nil {
		return fmt.Errorf("reading version %d (%s) of %s before deleting it: %w", v.ID, v.Name, repo, err)
	}
	if fresh.ID != v.ID || fresh.Name != v.Name {
		return fmt.Errorf("version %d of %s is %s, not %s: not deleted", v.ID, repo, fresh.Name, v.Name)
	}
	return c.deleteFresh(ctx, repo, fresh, allowed)
}

// deleteFresh deletes version v, as read just now, unless it carries a tag outside
// allowed.
func (c *Client) deleteFresh(ctx context.Context, repo string, v version, allowed []string) error {
	var others []string
	for _, t := range v.tags() {
		if !slices.Contains(allowed, t) {
			others = append(others, t)
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		return fmt.Errorf("deleting version %d (%s) of %s: %w: tagged %s, which the listing the decision was made on did not show there, and which would go with it",
			v.ID, v.Name, repo, registry.ErrInUse, strings.Join(others, ", "))
	}
	base, err := c.versionsPath(ctx, repo)
	if err != nil {
		return err
	}
	p := base + "/" + strconv.FormatInt(v.ID, 10)
	if _, err := c.call(ctx, http.MethodDelete, p, http.StatusNoContent, http.StatusOK, http.StatusAccepted); err != nil {
		return fmt.Errorf("deleting version %d (%s) of %s: %w", v.ID, v.Name, repo, err)
	}
	c.mu.Lock()
	delete(c.versions[repo], v.Name)
	c.mu.Unlock()
	return nil
}

// retag points tag at a throwaway manifest (through the OCI API: GHCR moves the tag
// to the throwaway's new version) and deletes that version; original's version
// keeps its other tags. When it stops half-way, the tag is put back on original.
func (c *Client) retag(ctx context.Context, repo, tag, original string) error {
	d, err := c.pushThrowaway(ctx, repo, tag)
	if err != nil {
		err = fmt.Errorf("pointing %s:%s at a throwaway manifest: %w", repo, tag, err)
		if d != "" && original != "" {
			return c.putBack(ctx, repo, tag, original, d, err) // the PUT may have landed
		}
		return err
	}
	v, err := c.findVersion(ctx, repo, d)
	if err == nil {
		err = c.deleteFresh(ctx, repo, v, []string{tag}) // read after the PUT: as fresh as a GET
	}
	if err != nil {
		err = fmt.Errorf("%s:%s now points at throwaway manifest %s, and deleting its version failed: %w", repo, tag, d, err)
		if original != "" {
			return c.putBack(ctx, repo, tag, original, d, err)
		}
		return err
	}
	return nil
}

// findVersion finds digest's version in a listing read after this call: in a
// package of one page, the listing shared with the deletions waiting for one
// (fresh.go); else newest first, page by page, stopping at it. GitHub may list a
// pushed manifest's version a moment after the push: it is looked for a few times.
func (c *Client) findVersion(ctx context.Context, repo, digest string) (version, error) {
	for attempt := 0; ; attempt++ {
		found, ok, err := c.lookFor(ctx, repo, digest)
		switch {
		case ok:
			return found, nil
		case err != nil:
			return version{}, fmt.Errorf("finding the version of %s@%s: %w", repo, digest, err)
		case attempt >= len(findWaits):
			return version{}, fmt.Errorf("finding the version of %s@%s: GitHub lists none", repo, digest)
		}
		if err := c.sleep(ctx, findWaits[attempt]); err != nil {
			return version{}, err
		}
	}
}

// lookFor reads the versions once for digest's.
func (c *Client) lookFor(ctx context.Context, repo, digest string) (version, bool, error) {
	if c.onePage(repo) {
		vs, err := c.freshVersions(ctx, repo)
		v, ok := vs[digest]
		return v, ok, err
	}
	base, err := c.versionsPath(ctx, repo)
	if err != nil {
		return version{}, false, err
	}
	errFound := errors.New("found")
	var found version
	err = c.pages(ctx, base+"?per_page="+strconv.Itoa(c.pageSize)+"&state=active", func(body []byte) error {
		var page []version
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		for _, v := range page {
			if v.Name == digest {
				found = v
				return errFound
			}
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return found, true, nil
	}
	return version{}, false, err
}

// putBack undoes a retag that stopped half-way: a tag left on the throwaway manifest
// is put on its own manifest again (so a failed deletion keeps the tag as it was),
// and the throwaway's version, now untagged, is deleted if it can be. A tag that is
// gone, or moved by someone else, is left alone.
func (c *Client) putBack(ctx context.Context, repo, tag, original, throwaway string, cause error) error {
	now, err := c.Resolve(ctx, repo, tag)
	if err != nil || now.Digest != throwaway {
		return cause
	}
	raw, mediaType, err := c.Manifest(ctx, repo, original)
	if err == nil {
		err = c.PutManifest(ctx, repo, tag, raw, mediaType)
	}
	if err != nil {
		return fmt.Errorf("%w; putting the tag back on %s failed too, so it points at the throwaway manifest: %w", cause, original, err)
	}
	if v, err := c.findVersion(ctx, repo, throwaway); err == nil {
		if err := c.deleteFresh(ctx, repo, v, nil); err != nil {
			c.log.Warn("the throwaway manifest's version stays", "repository", repo, "digest", throwaway, "error", err)
		}
	}
	return fmt.Errorf("%w; the tag was put back on %s", cause, original)
}
