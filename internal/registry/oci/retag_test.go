package oci

import (
	"context"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Retags in one repository upload the throwaway's config once: each throwaway
// differs from the others by its manifest's annotations only.
func TestRetagUploadsItsConfigOnce(t *testing.T) {
	srv := registrytest.StartDistribution28(t)
	digests := registrytest.MustSeed(t, srv, registrytest.ManyTags("many", "PR", 5))
	c, cnt := countingClient(t, srv, Options{})
	ctx := context.Background()
	for ref, d := range digests {
		_, tag, _ := strings.Cut(ref, ":")
		if err := c.Delete(ctx, "many", tag, registry.Manifest{Digest: d}, registry.MethodRetag); err != nil {
			t.Fatalf("retag %s: %v", ref, err)
		}
	}
	blobs := 0
	for _, u := range cnt.sent() {
		if strings.Contains(u, "/blobs/") {
			blobs++
		}
	}
	if blobs > 4 {
		t.Errorf("%d blob requests for 5 retags, want one upload's (at most 4):\n%s", blobs, strings.Join(cnt.sent(), "\n"))
	}
	if tags, err := c.Tags(ctx, "many"); err != nil || len(tags) != 0 {
		t.Errorf("tags left: %v, %v", tags, err)
	}
}
