package acr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/prsweep/prsweep/internal/registry"
)

// Capabilities says what ACR offers, without a request: it removes a tag alone
// (untag) and a manifest by digest. Whether the identity may delete shows at the
// first deletion in a repository (Delete names the missing data action, and
// refuses the repository's other deletions without asking again) and, for
// prsweep validate, in Check. A probe per repository here would spend a write of
// the registry's quota on each: 100 repositories are a minute of Basic's.
func (c *Client) Capabilities(context.Context, string) (registry.Capabilities, error) {
	return registry.Capabilities{Untag: true, Digest: true}, nil
}

// Check asks, changing nothing, whether the identity may delete in the first of
// repos, by untagging a tag that cannot exist (prsweep-probe-<random>): 404
// means allowed, 401/403 that the identity lacks the delete data action.
func (c *Client) Check(ctx context.Context, repos []string) error {
	if len(repos) == 0 {
		return nil
	}
	status, err := c.untag(ctx, repos[0], "prsweep-probe-"+nonce())
	switch {
	case errors.Is(err, registry.ErrUnauthorized):
		return deniedError("probing deletion in "+repos[0], err)
	case errors.Is(err, registry.ErrLocked):
		c.log.Warn("the repository refuses deletions (locked)", "registry", c.host, "repository", repos[0], "error", err)
		return nil
	case err != nil:
		return fmt.Errorf("probing deletion in %s: %w", repos[0], err)
	case status != http.StatusNotFound && status != http.StatusAccepted:
		return fmt.Errorf("probing deletion in %s: unexpected HTTP %d", repos[0], status)
	}
	return nil
}

// deniedError says which permission a refused deletion lacks.
func deniedError(what string, err error) error {
	return fmt.Errorf("%s: the identity may list but not delete: it lacks the data action %s "+
		"(built-in role Container Registry Repository Contributor on registries with ABAC repository permissions, AcrDelete on others): %w",
		what, deleteAction, err)
}

// Delete removes repo:tag, which points at m: by untag (DELETE
// /acr/v1/{repo}/_tags/{tag}), which leaves the manifest and its other tags, or by
// digest (DELETE /v2/{repo}/manifests/{digest}), which takes every tag on m with it.
// Before a digest deletion it reads the manifest's own tags and refuses with
// registry.ErrInUse while one other than tag remains (tag "" for a manifest item).
// A 404 is registry.ErrNotFound; a locked tag or manifest is registry.ErrLocked.
// Nothing is ever unlocked.
func (c *Client) Delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error {
	c.mu.Lock()
	denied := c.denied[repo]
	c.mu.Unlock()
	if denied != nil {
		return denied
	}
	err := c.delete(ctx, repo, tag, m, method)
	if errors.Is(err, registry.ErrUnauthorized) {
		err = deniedError("deleting in "+repo, err)
		c.mu.Lock()
		c.denied[repo] = err // the repository's later deletions fail alike, without asking
		c.mu.Unlock()
	}
	return err
}

func (c *Client) delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error {
	switch method {
	case registry.MethodUntag:
		status, err := c.untag(ctx, repo, tag)
		return deleted(status, err)
	case registry.MethodDigest:
		if m.Digest == "" {
			return fmt.Errorf("deleting %s:%s by digest: no digest", repo, tag)
		}
		if err := c.noOtherTags(ctx, repo, tag, m.Digest); err != nil {
			return err
		}
		cl, err := c.sdk(repo, forDelete)
		if err != nil {
			return err
		}
		var resp *http.Response
		_, err = cl.DeleteManifest(policy.WithCaptureResponse(ctx, &resp), repo, m.Digest, nil)
		return deleted(statusOf(resp), mapError(err))
	}
	return fmt.Errorf("deleting %s:%s: %w: method %q", repo, tag, registry.ErrUnsupported, method)
}

// noOtherTags reads digest's attributes (GET /acr/v1/{repo}/_manifests/{digest}) and
// fails with registry.ErrInUse when a tag other than tag is on it. The tag listing
// omits tags whose listEnabled is false, so the engine may believe the manifest
// untagged, or tagged only by tag; ACR's digest DELETE would take such a tag along.
func (c *Client) noOtherTags(ctx context.Context, repo, tag, digest string) error {
	cl, err := c.sdk(repo, forMetadata)
	if err != nil {
		return err
	}
	mp, err := cl.GetManifestProperties(ctx, repo, digest, nil)
	if err != nil {
		return fmt.Errorf("reading the tags of %s@%s before deleting it: %w", repo, digest, mapError(err))
	}
	if mp.Manifest == nil {
		return fmt.Errorf("reading the tags of %s@%s before deleting it: the registry sent no attributes", repo, digest)
	}
	var others []string
	for _, t := range mp.Manifest.Tags {
		if t != nil && *t != tag {
			others = append(others, *t)
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		return fmt.Errorf("deleting %s@%s by digest: %w: tagged %s, which would go with it (the tag listing leaves out tags whose listEnabled is false)",
			repo, digest, registry.ErrInUse, strings.Join(others, ", "))
	}
	return nil
}

// untag sends DELETE /acr/v1/{repo}/_tags/{tag} and returns the status. The SDK
// counts 404 as success; the captured response tells them apart.
func (c *Client) untag(ctx context.Context, repo, tag string) (int, error) {
	cl, err := c.sdk(repo, forDelete)
	if err != nil {
		return 0, err
	}
	var resp *http.Response
	_, err = cl.DeleteTag(policy.WithCaptureResponse(ctx, &resp), repo, tag, nil)
	return statusOf(resp), mapError(err)
}

// deleted turns the outcome of a delete into Delete's result.
func deleted(status int, err error) error {
	switch {
	case err != nil:
		return err
	case status == http.StatusNotFound:
		return registry.ErrNotFound
	case status == http.StatusAccepted || status == http.StatusOK || status == http.StatusNoContent:
		return nil
	}
	return fmt.Errorf("unexpected HTTP %d", status)
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
