package apply_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Safety rule 5 in a wave after the first without digest deletions: the deleted
// image's signature, attestation and referrers fallback tags go by untag in the
// second wave. Right after the first wave's confirmation the image is signed again.
// Whatever the first wave read (the decision's read in a fresh sweep, the re-check
// before a digest wave, a read per tag of a saved plan) is older than that push: the
// second wave reads its tags again — one read each, or one manifest listing where
// the registry has one and that costs fewer requests — and keeps the signature.
func TestLaterWaveReadsItsTagsAgain(t *testing.T) {
	const sig = "sha256-a.sig"
	for _, first := range []registry.Method{registry.MethodDigest, registry.MethodUntag} {
		for _, fresh := range []bool{true, false} {
			for _, lists := range []bool{false, true} {
				name := fmt.Sprintf("first=%s/fresh=%v/lists=%v", first, fresh, lists)
				// On the first tag listing after a deletion (the first wave's
				// confirmation) the image is signed again: sig is pushed onto a new digest.
				resigned := false
				reg := &waveRegistry{tags: map[string]string{
					"PR1-test": "sha256:a", sig: "sha256:s", "sha256-a.att": "sha256:t", "sha256-a": "sha256:f", "release": "sha256:r"},
					afterList: func(r *waveRegistry) {
						if r.deletes > 0 && !resigned {
							resigned = true
							r.tags[sig] = "sha256:resigned"
						}
					}}
				var r apply.Registry = reg
				if lists {
					r = waveLister{reg}
				}
				linked := func(tag, digest string) plan.Item {
					return plan.Item{Repository: "jarvis", Tag: tag, Digest: digest, Action: policy.Delete, Method: registry.MethodUntag,
						LinkedTo: "jarvis:PR1-test", Reason: "signature or attestation of jarvis:PR1-test, which is deleted"}
				}
				items := []plan.Item{del("PR1-test", "sha256:a"), linked(sig, "sha256:s"), linked("sha256-a.att", "sha256:t"), linked("sha256-a", "sha256:f"),
					{Repository: "jarvis", Tag: "release", Digest: "sha256:r", Action: policy.Keep}}
				items[0].Method = first
				apply.Applier{Registry: r, Fresh: fresh}.Apply(context.Background(), items)

				if !resigned {
					t.Fatalf("%s: never signed again", name)
				}
				if want := []string{"PR1-test", "sha256-a", "sha256-a.att"}; !slices.Equal(slices.Sorted(slices.Values(reg.goneTags)), want) {
					t.Errorf("%s: removed %v, want %v", name, reg.goneTags, want)
				}
				if reg.tags[sig] != "sha256:resigned" {
					t.Errorf("%s: %s is %q, want the new signature", name, sig, reg.tags[sig])
				}
				if it := items[1]; it.Action != policy.Keep || it.Done || it.Failed() ||
					!strings.Contains(it.Reason, "sha256:resigned") || !strings.Contains(it.Reason, "pushed again") {
					t.Errorf("%s: %s: %+v, want kept as pushed again", name, sig, it)
				}
				for _, it := range items[2:4] {
					if !it.Done || it.Failed() || it.Action != policy.Delete {
						t.Errorf("%s: %s: %+v, want deleted", name, it.Tag, it)
					}
				}
				// The first wave as before: a digest wave re-reads the repository; an
				// untag wave reads its tag unless fresh. The second reads its three tags
				// (a listing costs at least two requests: three tags are worth one).
				var want [3]int // tag listings, tag reads, manifest listings
				switch {
				case first == registry.MethodDigest && lists:
					want = [3]int{2, 0, 2}
				case first == registry.MethodDigest:
					want = [3]int{3, 5 + 3, 0}
				case lists && fresh:
					want = [3]int{2, 0, 1}
				case lists:
					want = [3]int{2, 1, 1}
				case fresh:
					want = [3]int{2, 3, 0}
				default:
					want = [3]int{2, 1 + 3, 0}
				}
				if got := [3]int{reg.lists, reg.reads, reg.pages}; got != want {
					t.Errorf("%s: tag listings, tag reads, manifest listings %v, want %v", name, got, want)
				}
			}
		}
	}
}
