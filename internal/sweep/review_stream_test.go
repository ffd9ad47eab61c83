package sweep_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// A saved plan is decided again under the configuration as it is now, what goes
// with a deleted image included: a plan made under referrers: delete and
// untagged: delete, applied under referrers: keep and untagged: keep, keeps the
// image's signature tag, its referrer and its manifest left untagged, and still
// deletes the PR's tag. Before, only the tags' pull requests were decided again.
func TestRedecideAppliesTheGraphSettingsOfNow(t *testing.T) {
	const image = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	s := newSweeper(t, "localhost:5000", map[string]string{"1": "merged"}, "untagged: keep\nreferrers: keep\n")
	pr := plan.Item{Repository: "api", Tag: "PR1-test", Digest: image, Action: policy.Delete, Method: registry.MethodUntag,
		PR: "1", Source: "prs", Rule: 1, Reason: "PR 1 is merged"}
	sig := plan.Item{Repository: "api", Tag: "sha256-" + strings.TrimPrefix(image, "sha256:") + ".sig", Digest: "sha256:" + strings.Repeat("2", 64),
		Action: policy.Delete, Method: registry.MethodUntag, LinkedTo: "api:PR1-test", Reason: "signature or attestation of api:PR1-test, which is deleted (referrers: delete)"}
	manifest := func(d, via string) plan.Item {
		return plan.Item{Repository: "api", Digest: d, Action: policy.Delete, Method: registry.MethodDigest, Kind: plan.KindManifest,
			LinkedTo: "api:PR1-test", Via: via, Reason: via}
	}
	items := []plan.Item{pr, sig, manifest(image, plan.ViaUntagged), manifest("sha256:"+strings.Repeat("3", 64), plan.ViaReferrer)}
	s.Redecide(context.Background(), items)

	if items[0].Action != policy.Delete {
		t.Errorf("the PR's tag: %+v, want deleted still", items[0])
	}
	for i, want := range map[int]string{1: "referrers: keep", 2: "untagged: keep", 3: "referrers: keep"} {
		if it := items[i]; it.Action != policy.Keep || !strings.Contains(it.Reason, want) {
			t.Errorf("%s: %s (%s), want kept naming %q", it.Ref(), it.Action, it.Reason, want)
		}
	}
}
