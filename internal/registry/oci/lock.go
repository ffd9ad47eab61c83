package oci

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// exclusive is the weight a tag write takes: all of it, so no digest delete (weight
// 1 each) of the same repository runs beside it.
const exclusive = 1 << 30

// holdTagLinks keeps, within one repository, manifest puts that write a tag apart
// from manifest deletes by digest: many deletes may run at once, a tag write runs
// alone. It returns the release.
//
// Why: distribution 2.8 (registry/handlers/manifests.go DeleteManifest) deletes the
// manifest's revision link, then walks every tag of the repository
// (tagStore.Lookup: list _manifests/tags, read each tag's current/link) to untag
// those that point at it. The filesystem driver writes a link in place (PutContent:
// open, truncate to 0, write), so a delete that reads a tag link while a put of
// that tag is rewriting it reads "" and fails to parse it as a digest: HTTP 500
// UNKNOWN, with the manifest already gone and its tags left dangling (a retry then
// answers 404). Deletes alone do not race (a tag being removed reads as absent,
// which Lookup skips); a put beside them does. prsweep writes tags when it retags,
// proves an untag, or restores. Only our own writes can be held apart: another
// client pushing into the repository during a sweep can still meet this.
func (c *Client) holdTagLinks(ctx context.Context, repo string, write bool) (func(), error) {
	sem, _ := c.writes.do(context.Background(), repo, func() (*semaphore.Weighted, bool) {
		return semaphore.NewWeighted(exclusive), true
	})
	n := int64(1)
	if write {
		n = exclusive
	}
	if err := sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { sem.Release(n) }, nil
}
