package apply_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// manifestRegistry is fakeRegistry plus manifests deleted by digest.
type manifestRegistry struct {
	fakeRegistry
	order    []string
	failsFor map[string]error // digest → error
}

func (m *manifestRegistry) Delete(ctx context.Context, repo, tag string, man registry.Manifest, method registry.Method) error {
	if tag != "" {
		return m.fakeRegistry.Delete(ctx, repo, tag, man, method)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failsFor[man.Digest]; err != nil {
		return err
	}
	m.order = append(m.order, man.Digest)
	return nil
}

// An index goes before its children, and a child whose index could not be deleted
// stays: the index would otherwise point at a deleted child (issue 8, item 6).
func TestIndexBeforeChildren(t *testing.T) {
	items := func() []plan.Item {
		return []plan.Item{
			del("PR1-multi", "sha256:i"),
			{Repository: "jarvis", Digest: "sha256:i", Action: policy.Delete, Method: registry.MethodDigest, Kind: plan.KindManifest, LinkedTo: "jarvis:PR1-multi", Via: plan.ViaUntagged},
			{Repository: "jarvis", Digest: "sha256:c1", Action: policy.Delete, Method: registry.MethodDigest, Kind: plan.KindManifest, LinkedTo: "jarvis@sha256:i", Via: plan.ViaChild},
			{Repository: "jarvis", Digest: "sha256:g", Action: policy.Delete, Method: registry.MethodDigest, Kind: plan.KindManifest, LinkedTo: "jarvis@sha256:c1", Via: plan.ViaChild},
		}
	}
	reg := &manifestRegistry{fakeRegistry: fakeRegistry{digests: map[string]string{"PR1-multi": "sha256:i"}}}
	it := items()
	apply.Applier{Registry: reg, Concurrency: 4}.Apply(context.Background(), it)
	if want := []string{"sha256:i", "sha256:c1", "sha256:g"}; !slices.Equal(reg.order, want) {
		t.Errorf("deleted %v, want %v in that order", reg.order, want)
	}

	reg = &manifestRegistry{fakeRegistry: fakeRegistry{digests: map[string]string{"PR1-multi": "sha256:i"}},
		failsFor: map[string]error{"sha256:i": errors.New("HTTP 500")}}
	it = items()
	apply.Applier{Registry: reg, Concurrency: 4}.Apply(context.Background(), it)
	if len(reg.order) != 0 {
		t.Errorf("deleted %v after the index's deletion failed", reg.order)
	}
	for _, x := range it[2:] {
		if x.Done || x.Action != policy.Keep {
			t.Errorf("%s: %+v, want kept", x.Ref(), x)
		}
	}
}

// A tag planned as dangling (its manifest missing) that reads back with a manifest
// is not deleted, and the report says why: the 404 was not the truth, or it was
// pushed since.
func TestDanglingThatIsNot(t *testing.T) {
	reg := &fakeRegistry{digests: map[string]string{"PR1-test": "sha256:a"}}
	items := []plan.Item{del("PR1-test", "")}
	apply.Applier{Registry: reg, Concurrency: 2, Fresh: true}.Apply(context.Background(), items)
	if items[0].Done || !items[0].Failed() || len(reg.deleted) != 0 {
		t.Errorf("%+v, deleted %v", items[0], reg.deleted)
	}
}
