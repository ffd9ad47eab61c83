package oci

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry"
)

// Capabilities asks the registry, once, how it deletes: a DELETE of a tag that
// cannot exist answers 404 where tags can be deleted, 400 where only manifests can
// (distribution 2.8), 405 where deletion is off. Nothing changes. Untag says only
// that the registry accepts a tag DELETE: ACR answers the same 404 and then deletes
// "by tag" the whole manifest, so unless registry.untag is trusted, untag is used
// in a repository only once ProveUntag has shown there that it removes the tag alone.
func (c *Client) Capabilities(ctx context.Context, repo string) (registry.Capabilities, error) {
	c.mu.Lock()
	if c.caps != nil {
		defer c.mu.Unlock()
		return *c.caps, nil
	}
	c.mu.Unlock()

	probe := "prsweep-probe-" + nonce()
	status, err := c.deleteRef(ctx, repo, probe)
	if err != nil {
		return registry.Capabilities{}, fmt.Errorf("probing how %s deletes: %w", c.reg.Name(), err)
	}
	var caps registry.Capabilities
	switch status {
	case http.StatusNotFound, http.StatusAccepted, http.StatusOK:
		caps = registry.Capabilities{Untag: true, Digest: true, Retag: true}
	case http.StatusBadRequest:
		caps = registry.Capabilities{Digest: true, Retag: true}
	case http.StatusMethodNotAllowed:
		caps = registry.Capabilities{}
	case http.StatusUnauthorized, http.StatusForbidden:
		return caps, fmt.Errorf("probing how %s deletes: %w: delete permission is missing (HTTP %d)", c.reg.Name(), registry.ErrUnauthorized, status)
	default:
		return caps, fmt.Errorf("probing how %s deletes: unexpected HTTP %d", c.reg.Name(), status)
	}
	if acrHost(c.reg.RegistryStr()) || c.untag == UntagOff {
		// ACR documents that deleting "by tag" removes the image and every other tag on
		// it; its /v2 tag DELETE is never trusted to be an untag. Remove tags by retagging.
		caps.Untag = false
	}
	c.log.Debug("registry delete capabilities", "registry", c.reg.Name(), "probe status", status, "untag", caps.Untag, "digest", caps.Digest)
	c.mu.Lock()
	c.caps = &caps
	c.mu.Unlock()
	return caps, nil
}

// Delete removes repo:tag, which points at m, by method.
func (c *Client) Delete(ctx context.Context, repo, tag string, m registry.Manifest, method registry.Method) error {
	switch method {
	case registry.MethodUntag:
		return c.deleteExpect(ctx, repo, tag)
	case registry.MethodDigest:
		return c.deleteExpect(ctx, repo, m.Digest)
	case registry.MethodRetag:
		throwaway, err := c.retag(ctx, repo, tag)
		if err != nil && throwaway != "" && m.Digest != "" {
			return c.putBack(ctx, repo, tag, m.Digest, throwaway, err)
		}
		return err
	}
	return fmt.Errorf("deleting %s:%s: %w: method %q", repo, tag, registry.ErrUnsupported, method)
}

func (c *Client) deleteExpect(ctx context.Context, repo, ref string) error {
	status, err := c.deleteRef(ctx, repo, ref)
	if err != nil {
		return err
	}
	return deleteStatus(status)
}

func deleteStatus(status int) error {
	switch status {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusNotFound:
		return registry.ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (HTTP %d)", registry.ErrUnauthorized, status)
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		return fmt.Errorf("%w (HTTP %d)", registry.ErrUnsupported, status)
	}
	return fmt.Errorf("unexpected HTTP %d", status)
}

// retag points the tag at a throwaway image and deletes that by digest: on a
// registry that deletes only manifests this removes one tag and leaves the original
// manifest and its other tags alone.
func (c *Client) retag(ctx context.Context, repo, tag string) (throwawayDigest string, err error) {
	r, err := c.repo(repo)
	if err != nil {
		return "", err
	}
	img, d, err := throwaway(map[string]string{"org.prsweep.deleted-tag": repo + ":" + tag})
	if err != nil {
		return "", err
	}
	if err := c.pushTagged(ctx, r, img, tag); err != nil {
		// The manifest PUT may have landed though its answer was lost.
		return d.String(), fmt.Errorf("pointing the tag at a throwaway manifest: %w", err)
	}
	if err := c.deleteExpect(ctx, repo, d.String()); err != nil {
		return d.String(), fmt.Errorf("the tag now points at throwaway manifest %s, and deleting that failed: %w", d, err)
	}
	return "", nil
}

// putBack undoes a retag that stopped half-way: a tag left on the throwaway
// manifest is pointed at its own manifest again, so that a failed deletion keeps
// the tag as it was (safety rule 4). A tag that is gone, or still on its manifest,
// or moved by someone else, is left alone.
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
	return fmt.Errorf("%w; the tag was put back on %s", cause, original)
}

// throwaway builds an empty OCI image whose manifest carries annotations and a
// nonce: its digest is new every time, while its config blob is always the same,
// so a repository's retags upload it once.
func throwaway(annotations map[string]string) (v1.Image, v1.Hash, error) {
	cfg, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		OS: "unknown", Architecture: "unknown",
		RootFS: v1.RootFS{Type: "layers"},
		Config: v1.Config{Labels: map[string]string{"org.prsweep.throwaway": "true"}},
	})
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("building the throwaway manifest: %w", err)
	}
	a := map[string]string{"org.prsweep.nonce": nonce()}
	for k, v := range annotations {
		a[k] = v
	}
	img := mutate.Annotations(mutate.ConfigMediaType(mutate.MediaType(cfg, types.OCIManifestSchema1), types.OCIConfigJSON), a).(v1.Image)
	d, err := img.Digest()
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("building the throwaway manifest: %w", err)
	}
	return img, d, nil
}

// pushTagged uploads img's blobs, then puts its manifest under each tag.
func (c *Client) pushTagged(ctx context.Context, r name.Repository, img v1.Image, tags ...string) error {
	if err := c.upload(ctx, r, img); err != nil {
		return err
	}
	return c.putTags(ctx, r, img, tags...)
}

// upload uploads img's layers and config.
func (c *Client) upload(ctx context.Context, r name.Repository, img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	for _, l := range append(layers, static.NewLayer(cfg, m.Config.MediaType)) {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		key := r.RepositoryStr() + "@" + d.String()
		if _, done := c.uploaded.Load(key); done {
			continue
		}
		if err := c.pusher.Upload(ctx, r, l); err != nil {
			return mapError(err)
		}
		c.uploaded.Store(key, true)
	}
	return nil
}

// putTags puts img's manifest (its blobs uploaded) under each tag. Each put writes
// a tag link, and holds the repository's tag links against digest deletes (lock.go).
func (c *Client) putTags(ctx context.Context, r name.Repository, img v1.Image, tags ...string) error {
	for _, tag := range tags {
		release, err := c.holdTagLinks(ctx, r.RepositoryStr(), true)
		if err != nil {
			return err
		}
		err = c.pusher.Put(ctx, r.Tag(tag), img)
		release()
		if err != nil {
			return mapError(err)
		}
	}
	return nil
}

// deleteRef sends DELETE /v2/<repo>/manifests/<ref> and returns the status. A
// digest delete holds the repository's tag links against tag writes (lock.go).
func (c *Client) deleteRef(ctx context.Context, repo, ref string) (int, error) {
	r, err := c.repo(repo)
	if err != nil {
		return 0, err
	}
	if isDigest(ref) {
		release, err := c.holdTagLinks(ctx, repo, false)
		if err != nil {
			return 0, err
		}
		defer release()
	}
	u := url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: fmt.Sprintf("/v2/%s/manifests/%s", r.RepositoryStr(), ref)}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u.String(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.authed.RoundTrip(req)
	if err != nil {
		return 0, mapError(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// authenticator returns the configured credentials, or the docker config's for
// this registry.
func (c *Client) authenticator(ctx context.Context) (authn.Authenticator, error) {
	if c.auth != nil {
		return c.auth, nil
	}
	auth, err := authn.Resolve(ctx, c.keys, c.reg)
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %w", c.reg.Name(), err)
	}
	return auth, nil
}

func isDigest(ref string) bool {
	return strings.HasPrefix(ref, "sha256:") || strings.HasPrefix(ref, "sha512:")
}

// acrHost reports whether host is an Azure Container Registry (public or sovereign cloud).
func acrHost(host string) bool {
	h := strings.ToLower(host)
	for _, suffix := range []string{".azurecr.io", ".azurecr.cn", ".azurecr.us"} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
