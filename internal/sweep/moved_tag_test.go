package sweep_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Safety rules 2 and 9 in a later wave: what goes after a deleted manifest (the
// children of a deleted index, the signature of a deleted image) is deleted by digest
// in a wave of its own. Right after the first manifest's DELETE, someone moves an
// existing tag (release) onto such a digest — `crane tag jarvis@<digest> release`: the
// tag names stay the same. The later wave must see it and keep that digest, which
// release holds now; its DELETE would take release's image (and on 2.8, and v3,
// the tag itself).
func TestLaterWaveKeepsATagMovedOntoItsDigest(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			for _, onto := range []string{"child", "signature"} {
				t.Run(onto, func(t *testing.T) {
					srv := start(t)
					registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "release", Seed: 9101}})
					var trigger, target, prTag string
					switch onto {
					case "child":
						idx, err := srv.SeedIndex(context.Background(), "jarvis", "PR9100-multi", []registrytest.Image{
							{Seed: 9102, OCI: true, Platform: "linux/amd64"}, {Seed: 9103, OCI: true, Platform: "linux/arm64"}}, false)
						if err != nil {
							t.Fatal(err)
						}
						trigger, target, prTag = idx.Digest, idx.Children[0], "PR9100-multi"
					case "signature":
						d := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "PR9100-test", Seed: 9104, OCI: true}})
						trigger, prTag = d["jarvis:PR9100-test"], "PR9100-test"
						target = pushSignature(t, srv, trigger, 9105)
					}
					var moved atomic.Bool
					host := afterDelete(t, srv, "/v2/jarvis/manifests/"+trigger, func() {
						promote(t, srv.URL(), "jarvis", target, "release")
						moved.Store(true)
					})
					res, err := newSweeper(t, host, map[string]string{"9100": "merged"}, "untagged: delete\n").Run(context.Background(), false)
					if err != nil {
						t.Fatal(err)
					}
					if !moved.Load() {
						t.Fatalf("%s was not deleted: release was never moved", trigger)
					}
					left := remaining(t, srv.Host())
					if slices.Contains(left, "jarvis:"+prTag) {
						t.Errorf("%s was not deleted: %v", prTag, left)
					}
					if !slices.Contains(left, "jarvis:release") {
						t.Fatalf("release, moved onto %s %s, was deleted with it: left %v", onto, target, left)
					}
					c, err := oci.New(srv.Host(), oci.Options{Scheme: "http"})
					if err != nil {
						t.Fatal(err)
					}
					if m, err := c.Resolve(context.Background(), "jarvis", "release"); err != nil || m.Digest != target {
						t.Errorf("release is %q (%v), want the %s %s it was moved onto", m.Digest, err, onto, target)
					}
					if err := registrytest.Pull(context.Background(), srv.Host(), "jarvis", "release"); err != nil {
						t.Errorf("release no longer pulls: %v", err)
					}
					// The item that would have deleted target by digest says why it did not
					// (on v3 the signature's tag is untagged alone, which is no harm).
					kept := false
					for _, it := range res.Items {
						switch {
						case it.Digest != target:
						case it.Action == policy.Delete && (it.Kind == plan.KindManifest || it.Method == registry.MethodDigest):
							t.Errorf("%s, which release holds now, was deleted by digest: %+v", it.Ref(), it)
						case it.Action == policy.Keep && !strings.Contains(it.Reason, "jarvis:release"):
							t.Errorf("%s kept without saying release holds it: %s", it.Ref(), it.Reason)
						case it.Action == policy.Keep:
							kept = true
						}
					}
					if !kept {
						t.Errorf("no deletion of %s was kept for release", target)
					}
				})
			}
		})
	}
}
