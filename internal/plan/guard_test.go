package plan_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

var (
	untagCaps  = registry.Capabilities{Untag: true, Digest: true, Retag: true}
	v28Caps    = registry.Capabilities{Digest: true, Retag: true}
	digestOnly = registry.Capabilities{Digest: true}
)

func item(tag string, a policy.Action) plan.Item {
	return plan.Item{Repository: "jarvis", Tag: tag, Action: a, Reason: "r"}
}

func man(d string, children ...string) registry.Manifest {
	return registry.Manifest{Digest: d, Children: children}
}

// outcome is "method" for deletes and "keep: why" for keeps, per tag.
func outcome(items []plan.Item) map[string]string {
	out := map[string]string{}
	for _, it := range items {
		switch {
		case it.Failed():
			out[it.Tag] = "failed: " + it.Error
		case it.Action == policy.Delete:
			out[it.Tag] = string(it.Method)
		default:
			out[it.Tag] = "keep"
		}
	}
	return out
}

func TestGuard(t *testing.T) {
	shared := map[string]registry.Manifest{"PR3574-test": man("sha256:a"), "5.32.0-develop": man("sha256:a"), "PR3571-test": man("sha256:b")}
	tests := []struct {
		name   string
		caps   registry.Capabilities
		mans   map[string]registry.Manifest
		unres  map[string]error
		items  []plan.Item
		want   map[string]string
		reason string // in the shared keep's reason
	}{
		{
			name: "tag deletion removes only the tag, shared or not", caps: untagCaps, mans: shared,
			items: []plan.Item{item("PR3574-test", policy.Delete), item("5.32.0-develop", policy.Keep), item("PR3571-test", policy.Delete)},
			want:  map[string]string{"PR3574-test": "untag", "5.32.0-develop": "keep", "PR3571-test": "untag"},
		},
		{
			name: "manifest-only registry: digest when alone, retag when shared", caps: v28Caps, mans: shared,
			items: []plan.Item{item("PR3574-test", policy.Delete), item("5.32.0-develop", policy.Keep), item("PR3571-test", policy.Delete)},
			want:  map[string]string{"PR3574-test": "retag", "5.32.0-develop": "keep", "PR3571-test": "digest"},
		},
		{
			name: "no way to remove a shared tag alone: keep and say why", caps: digestOnly, mans: shared,
			items:  []plan.Item{item("PR3574-test", policy.Delete), item("5.32.0-develop", policy.Keep), item("PR3571-test", policy.Delete)},
			want:   map[string]string{"PR3574-test": "keep", "5.32.0-develop": "keep", "PR3571-test": "digest"},
			reason: "digest shared with jarvis:5.32.0-develop",
		},
		{
			name: "two deleted tags on one digest may go by digest", caps: digestOnly,
			mans:  map[string]registry.Manifest{"PR1-a": man("sha256:a"), "PR1-b": man("sha256:a")},
			items: []plan.Item{item("PR1-a", policy.Delete), item("PR1-b", policy.Delete)},
			want:  map[string]string{"PR1-a": "digest", "PR1-b": "digest"},
		},
		{
			name: "a child of a kept index is never deleted by digest", caps: digestOnly,
			mans:   map[string]registry.Manifest{"PR3575-test-amd64": man("sha256:c"), "release": man("sha256:i", "sha256:c")},
			items:  []plan.Item{item("PR3575-test-amd64", policy.Delete), item("release", policy.Keep)},
			want:   map[string]string{"PR3575-test-amd64": "keep", "release": "keep"},
			reason: "jarvis:release (as a child of its index)",
		},
		{
			name: "a kept index makes its children's deletions unsafe in turn", caps: digestOnly,
			mans: map[string]registry.Manifest{
				"PR1-index": man("sha256:i", "sha256:c"), "release": man("sha256:i"), "PR1-child": man("sha256:c"),
			},
			items: []plan.Item{item("PR1-index", policy.Delete), item("release", policy.Keep), item("PR1-child", policy.Delete)},
			want:  map[string]string{"PR1-index": "keep", "release": "keep", "PR1-child": "keep"},
		},
		{
			name: "an unresolved tag fails its deletion and forbids digest deletes", caps: v28Caps,
			mans:  map[string]registry.Manifest{"PR1-a": man("sha256:a")},
			unres: map[string]error{"PR2-b": errors.New("HEAD failed"), "other": errors.New("HEAD failed")},
			items: []plan.Item{item("PR1-a", policy.Delete), item("PR2-b", policy.Delete), item("other", policy.Keep)},
			// A kept tag that could not be read is kept and reported (safety rule 8).
			want: map[string]string{"PR1-a": "retag", "PR2-b": "failed: reading its manifest: HEAD failed", "other": "failed: reading its manifest: HEAD failed"},
		},
		{
			name: "a locked tag is kept, and its digest stays held", caps: v28Caps,
			mans:   map[string]registry.Manifest{"PR1-a": {Digest: "sha256:a", Locked: true}, "PR1-b": man("sha256:a")},
			items:  []plan.Item{item("PR1-a", policy.Delete), item("PR1-b", policy.Delete)},
			want:   map[string]string{"PR1-a": "keep", "PR1-b": "retag"},
			reason: "locked",
		},
		{
			name: "deletion off", caps: registry.Capabilities{}, mans: shared,
			items:  []plan.Item{item("PR3571-test", policy.Delete)},
			want:   map[string]string{"PR3571-test": "keep"},
			reason: "does not allow deletion",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := tt.items
			plan.Guard(items, map[string]plan.Repo{"jarvis": {Caps: tt.caps, Manifests: tt.mans, Unresolved: tt.unres}})
			if diff := cmp.Diff(tt.want, outcome(items)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			for _, it := range items {
				if it.Action == policy.Keep && tt.reason != "" && strings.HasPrefix(it.Tag, "PR") && !strings.Contains(it.Reason, tt.reason) {
					t.Errorf("%s kept with reason %q, want it to contain %q", it.Tag, it.Reason, tt.reason)
				}
			}
		})
	}
}

func TestGuardFillsDigestsAndSharing(t *testing.T) {
	items := []plan.Item{item("PR3574-test", policy.Delete), item("5.32.0-develop", policy.Keep)}
	plan.Guard(items, map[string]plan.Repo{"jarvis": {Caps: untagCaps, Manifests: map[string]registry.Manifest{
		"PR3574-test": man("sha256:a"), "5.32.0-develop": man("sha256:a")}}})
	if items[0].Digest != "sha256:a" || !cmp.Equal(items[0].SharedWith, []string{"jarvis:5.32.0-develop"}) {
		t.Errorf("item %+v", items[0])
	}
}

func TestGuardFailsWhatWasNotInspected(t *testing.T) {
	items := []plan.Item{item("PR1-a", policy.Delete), {Repository: "other", Tag: "PR2", Action: policy.Delete}}
	plan.Guard(items, map[string]plan.Repo{"jarvis": {CapsErr: errors.New("probe refused")}})
	if got := outcome(items); got["PR1-a"] != "failed: probe refused" || !strings.HasPrefix(got["PR2"], "failed:") {
		t.Errorf("outcome %v", got)
	}
}

func TestEnforce(t *testing.T) {
	items := []plan.Item{item("a", policy.Delete), item("b", policy.Delete), item("c", policy.Keep)}
	if err := plan.Enforce(items, plan.Limits{MaxDeletions: 2}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if err := plan.Enforce(items, plan.Limits{}); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	err := plan.Enforce(items, plan.Limits{MaxDeletions: 1})
	var le *plan.LimitError
	if !errors.As(err, &le) || !errors.Is(err, plan.ErrLimit) || le.Planned != 2 || le.Limit != 1 || le.Key != "safety.maxDeletions" {
		t.Fatalf("over the limit: %v", err)
	}
	if !strings.Contains(err.Error(), "safety.maxDeletions is 1 and the plan deletes 2 tags (1 over)") {
		t.Errorf("message %q", err)
	}
	if plan.Deletions(items) != 0 {
		t.Errorf("after a limit error nothing may be deleted: %+v", items)
	}
}

// Safety limits: over any of them, nothing is deleted and the error says which limit
// and by how much.
func ExampleEnforce() {
	var items []plan.Item
	for _, tag := range []string{"PR1-a", "PR2-a", "PR3-a", "latest"} {
		a := policy.Delete
		if tag == "latest" {
			a = policy.Keep
		}
		items = append(items, plan.Item{Repository: "jarvis", Tag: tag, Action: a})
	}
	items = append(items, plan.Item{Repository: "api", Tag: "PR4-a", Action: policy.Delete}, plan.Item{Repository: "api", Tag: "1.0", Action: policy.Keep})
	limits := []plan.Limits{{MaxDeletions: 3}, {MaxDeletionsPercent: 60}}
	perRepo := plan.Limits{}
	perRepo.PerRepository.MaxDeletionsPercent = 50
	for _, l := range append(limits, perRepo) {
		fmt.Println(plan.Enforce(slices.Clone(items), l))
	}
	// Output:
	// safety.maxDeletions is 3 and the plan deletes 4 tags (1 over): nothing was deleted
	// safety.maxDeletionsPercent is 60% and the plan deletes 66.7% of the tags (4 of 6, 6.7 points over): nothing was deleted
	// safety.perRepository.maxDeletionsPercent is 50% and the plan deletes 75.0% of the tags in jarvis (3 of 4, 25.0 points over): nothing was deleted
}
