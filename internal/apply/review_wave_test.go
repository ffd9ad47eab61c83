package apply_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Two PR indexes share a child, planned to go with the second. The first index's
// DELETE fails: its tag stays, failed, and its index still needs the child. The
// re-read before the child's wave must count that tag as staying, not as going
// (rule 9); it counted every planned tag as going, failed or not, and the child
// was deleted from under the index that stayed.
func TestLaterWaveKeepsWhatAFailedTagNeeds(t *testing.T) {
	reg := &waveRegistry{
		tags:     map[string]string{"PR1-multi": "sha256:i1", "PR2-multi": "sha256:i2"},
		children: map[string][]string{"sha256:i1": {"sha256:c"}, "sha256:i2": {"sha256:c"}},
		byDigest: true,
		fail:     map[string]bool{"sha256:i1": true},
	}
	items := []plan.Item{del("PR1-multi", "sha256:i1"), del("PR2-multi", "sha256:i2"),
		{Repository: "jarvis", Digest: "sha256:c", Action: policy.Delete, Method: registry.MethodDigest,
			Kind: plan.KindManifest, LinkedTo: "jarvis:PR2-multi", Via: plan.ViaChild, Reason: "part of jarvis:PR2-multi"}}
	items[0].Method, items[1].Method = registry.MethodDigest, registry.MethodDigest
	apply.Applier{Registry: reg}.Apply(context.Background(), items)

	if !items[0].Failed() || items[0].Done {
		t.Errorf("PR1-multi: %+v, want failed", items[0])
	}
	if !items[1].Done || items[1].Failed() {
		t.Errorf("PR2-multi: %+v, want deleted", items[1])
	}
	if slices.Contains(reg.goneDigests, "sha256:c") {
		t.Errorf("deleted %v: the child PR1-multi's index still needs went too", reg.goneDigests)
	}
	if it := items[2]; it.Done || it.Action == policy.Delete && !it.Failed() || !strings.Contains(it.Reason+it.Error, "PR1-multi") {
		t.Errorf("the child: %+v, want kept for jarvis:PR1-multi", it)
	}
}
