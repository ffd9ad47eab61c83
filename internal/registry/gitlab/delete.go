package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
)

// Capabilities: GitLab's single-tag DELETE removes the tag alone on every GitLab
// registry (see the package doc), so Untag; no manifest is ever deleted by digest,
// and no tag is moved.
func (c *Client) Capabilities(context.Context, string) (registry.Capabilities, error) {
	return registry.Capabilities{Untag: true}, nil
}

// Delete removes one tag with DELETE /projects/:id/registry/repositories/:rid/tags/:tag_name.
// Only MethodUntag is accepted. ErrNotFound means the tag was already gone (GitLab
// answers 404 "Tag Not Found"); a protected tag is ErrLocked; a token without the
// api scope or the Developer role is ErrUnauthorized.
func (c *Client) Delete(ctx context.Context, repo, tag string, _ registry.Manifest, method registry.Method) error {
	if method != registry.MethodUntag {
		return fmt.Errorf("deleting %s:%s by %s: %w: GitLab deletes single tags only", repo, tag, method, registry.ErrUnsupported)
	}
	r, err := c.ref(ctx, repo)
	if err != nil {
		return fmt.Errorf("deleting %s:%s: %w", repo, tag, err)
	}
	u, err := c.endpoint(r.tagsPath()+"/"+url.PathEscape(tag), nil)
	if err != nil {
		return err
	}
	resp, body, err := c.do(ctx, http.MethodDelete, u)
	if err != nil {
		return fmt.Errorf("deleting %s:%s: %w", repo, tag, err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusNoContent:
		return nil
	}
	return fmt.Errorf("deleting %s:%s: %w", repo, tag, statusError(resp.StatusCode, body))
}

// The OCI side: manifests are read (and, for restore, written) on the registry
// host with a registry token from GitLab's /jwt/auth.

// Resolve reads the manifest a tag points at (all four media types asked).
func (c *Client) Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error) {
	return c.oci.Resolve(ctx, repo, tag)
}

// Manifest returns the manifest with this digest as the registry serves it.
func (c *Client) Manifest(ctx context.Context, repo, digest string) ([]byte, string, error) {
	return c.oci.Manifest(ctx, repo, digest)
}

// PutManifest uploads raw under ref (restore); it needs a token that may push.
func (c *Client) PutManifest(ctx context.Context, repo, ref string, raw []byte, mediaType string) error {
	return c.oci.PutManifest(ctx, repo, ref, raw, mediaType)
}

// Referrers lists the manifests whose subject is digest, where the registry has
// the OCI referrers API.
func (c *Client) Referrers(ctx context.Context, repo, digest string) ([]string, error) {
	return c.oci.Referrers(ctx, repo, digest)
}

// Created says when the image was built (its config's created).
func (c *Client) Created(ctx context.Context, repo string, m registry.Manifest) (time.Time, error) {
	return c.oci.Created(ctx, repo, m)
}
