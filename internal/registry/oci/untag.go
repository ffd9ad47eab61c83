package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/prsweep/prsweep/internal/registry"
)

// UntagMode says whether a tag DELETE is trusted to remove only the tag
// (registry.untag in the config).
type UntagMode string

const (
	// UntagProve trusts it in a repository once ProveUntag has shown it there.
	UntagProve UntagMode = "prove"
	// UntagTrusted trusts it without a proof: the configuration vouches for the registry.
	UntagTrusted UntagMode = "trusted"
	// UntagOff never untags: tags are removed by retag or by digest.
	UntagOff UntagMode = "off"
)

var _ registry.UntagProver = (*Client)(nil)

// cleanupTimeout bounds the clean-up of a proof, which runs even when the caller's
// context has ended.
const cleanupTimeout = 30 * time.Second

// ProveUntag shows, once per repository, that a tag DELETE removes the tag alone: it
// puts a throwaway manifest under two throwaway tags, deletes one tag, and checks
// that the other tag and the manifest remain (HEAD and tag listing). Whatever the
// outcome, it deletes the throwaway manifest by digest. The verdict is kept per
// repository, since permissions and proxies may differ between repositories; a
// failure that says nothing about the registry (a network error, a 5xx) is not kept.
// ACR hosts are refused without a try: ACR documents that deleting by tag deletes the
// manifest.
func (c *Client) ProveUntag(ctx context.Context, repo string) error {
	switch {
	case acrHost(c.reg.RegistryStr()):
		return fmt.Errorf("untagging in %s: %w: Azure Container Registry deletes the whole manifest, with every tag on it, when asked to delete a tag", repo, registry.ErrUnsupported)
	case c.untag == UntagOff:
		return fmt.Errorf("untagging in %s: %w: registry.untag is off", repo, registry.ErrUnsupported)
	case c.untag == UntagTrusted:
		return nil
	}
	verdict, err := c.proofs.do(ctx, repo, func() (error, bool) { return c.proveUntag(ctx, repo) })
	if err != nil {
		return fmt.Errorf("proving that a tag DELETE in %s removes only the tag: %w", repo, err)
	}
	return verdict
}

// proveUntag runs the proof. final is false where the failure says nothing about the
// registry (a network error, a 5xx): such a verdict is not kept.
func (c *Client) proveUntag(ctx context.Context, repo string) (err error, final bool) {
	// Only the registry's verdict wraps ErrUnsupported (remove tags another way); a
	// hiccup proves nothing either way, and the caller keeps the tags this time.
	unproven := func(final bool, cause error, format string, args ...any) (error, bool) {
		msg := fmt.Sprintf(format, args...)
		if cause != nil {
			msg += ": " + cause.Error()
		}
		if final {
			return fmt.Errorf("proving that a tag DELETE in %s removes only the tag: %w: %s", repo, registry.ErrUnsupported, msg), final
		}
		return fmt.Errorf("proving that a tag DELETE in %s removes only the tag: %s", repo, msg), final
	}
	caps, err := c.Capabilities(ctx, repo)
	if err != nil {
		return unproven(false, err, "probing how the registry deletes")
	}
	if !caps.Untag {
		return unproven(true, nil, "the registry does not delete tags")
	}
	r, err := c.repo(repo)
	if err != nil {
		return err, true
	}
	img, d, err := throwaway(map[string]string{"org.prsweep.untag-proof": repo})
	if err != nil {
		return err, false
	}
	if err := c.upload(ctx, r, img); err != nil {
		return unproven(refusal(err), err, "pushing a throwaway manifest")
	}
	// Before any throwaway tag exists, show that a digest DELETE really deletes: the
	// clean-up relies on it, and a registry (or proxy) that answers 404 without
	// deleting would otherwise be left with the throwaway tags.
	if err := c.pusher.Put(ctx, r.Digest(d.String()), img); err != nil {
		return unproven(refusal(err), mapError(err), "pushing a throwaway manifest")
	}
	if final, err := c.deleteReally(ctx, r, d); err != nil {
		return unproven(final, err, "deleting untagged throwaway manifest %s", d)
	}

	id := nonce()
	gone, stays := "prsweep-untag-proof-"+id+"-a", "prsweep-untag-proof-"+id+"-b"
	defer func() {
		if cerr := c.cleanProof(ctx, r, d, gone, stays); cerr != nil {
			c.log.Warn("the untag proof could not remove its throwaway tags", "repository", repo, "digest", d.String(), "tags", []string{gone, stays}, "error", cerr)
		}
	}()
	if err := c.putTags(ctx, r, img, gone, stays); err != nil {
		return unproven(refusal(err), err, "putting a throwaway manifest under tags %s and %s", gone, stays)
	}
	status, err := c.deleteRef(ctx, repo, gone)
	switch {
	case err != nil:
		return unproven(false, err, "deleting throwaway tag %s", gone)
	case status == http.StatusAccepted || status == http.StatusOK || status == http.StatusNoContent:
	case status >= 500 || status == http.StatusTooManyRequests:
		return unproven(false, nil, "deleting throwaway tag %s: HTTP %d", gone, status)
	default:
		return unproven(true, nil, "the registry answered HTTP %d to deleting throwaway tag %s, which it had just accepted", status, gone)
	}

	// Read back what deleting tag gone left: stays and the manifest must remain, gone
	// must have left the listing.
	desc, err := c.puller.Head(ctx, r.Tag(stays))
	switch err := mapError(err); {
	case errors.Is(err, registry.ErrNotFound):
		return unproven(true, nil, "deleting tag %s also removed tag %s, which pointed at the same manifest", gone, stays)
	case err != nil:
		return unproven(refusal(err), err, "reading tag %s back", stays)
	case desc.Digest != d:
		return unproven(true, nil, "after deleting tag %s, tag %s points at %s instead of %s", gone, stays, desc.Digest, d)
	}
	if _, err := c.puller.Head(ctx, r.Digest(d.String())); err != nil {
		if err := mapError(err); errors.Is(err, registry.ErrNotFound) {
			return unproven(true, nil, "deleting tag %s also removed its manifest %s", gone, d)
		}
		return unproven(refusal(err), err, "reading the throwaway manifest back")
	}
	tags, err := c.Tags(ctx, repo)
	switch {
	case err != nil:
		return unproven(false, err, "listing the tags back")
	case slices.Contains(tags, gone):
		return unproven(true, nil, "tag %s is still listed after the registry accepted its DELETE", gone)
	case !slices.Contains(tags, stays):
		return unproven(true, nil, "tag %s is no longer listed after deleting tag %s", stays, gone)
	}
	return nil, true
}

// refusal says whether err is the registry's refusal (credentials, an operation it
// does not support), which does not change during a run, rather than a hiccup.
func refusal(err error) bool {
	err = mapError(err)
	return errors.Is(err, registry.ErrUnauthorized) || errors.Is(err, registry.ErrUnsupported)
}

// deleteReally deletes manifest d by digest and reads it back: an answer of 2xx or
// 404 while the registry still serves d is no deletion. final says whether a
// failure is the registry's verdict rather than a hiccup.
func (c *Client) deleteReally(ctx context.Context, r name.Repository, d v1.Hash) (final bool, err error) {
	status, err := c.deleteRef(ctx, r.RepositoryStr(), d.String())
	switch {
	case err != nil:
		return false, err
	case status >= 500 || status == http.StatusTooManyRequests:
		return false, fmt.Errorf("HTTP %d", status)
	case status != http.StatusAccepted && status != http.StatusOK && status != http.StatusNoContent && status != http.StatusNotFound:
		return true, fmt.Errorf("HTTP %d", status)
	}
	_, err = c.puller.Head(ctx, r.Digest(d.String()))
	switch err := mapError(err); {
	case errors.Is(err, registry.ErrNotFound):
		return true, nil
	case err != nil:
		return refusal(err), fmt.Errorf("reading it back: %w", err)
	}
	return true, fmt.Errorf("the registry answered HTTP %d and still serves it", status)
}

// cleanProof deletes the throwaway manifest by digest, which removes its tags, and
// reads the tags back; a tag still there is deleted by tag. A 404 that was not the
// truth, or a lost answer, gets another round or two. It runs on after the caller's
// context ends, and says which tags it could not remove.
func (c *Client) cleanProof(ctx context.Context, r name.Repository, d v1.Hash, tags ...string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var derr error
	left := tags
	for round := 0; round < cleanupRounds && len(left) > 0 && ctx.Err() == nil; round++ {
		_, derr = c.deleteReally(ctx, r, d)
		for _, t := range c.present(ctx, r, left) {
			_ = c.deleteExpect(ctx, r.RepositoryStr(), t)
		}
		left = c.present(ctx, r, left)
	}
	if len(left) > 0 {
		return fmt.Errorf("tags %s are still there (deleting %s: %v)", strings.Join(left, ", "), d, derr)
	}
	return nil
}

// cleanupRounds bounds how often cleanProof tries again.
const cleanupRounds = 3

// present returns the tags the listing still shows (all of them when it cannot be
// read): a HEAD's 404 would miss a tag left dangling by a DELETE cut short.
func (c *Client) present(ctx context.Context, r name.Repository, tags []string) []string {
	listed, err := c.Tags(ctx, r.RepositoryStr())
	if err != nil {
		return tags
	}
	var out []string
	for _, t := range tags {
		if slices.Contains(listed, t) {
			out = append(out, t)
		}
	}
	return out
}
