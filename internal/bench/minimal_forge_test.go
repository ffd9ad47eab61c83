package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The forges' minimal counts of the hand-worked set (minimal_test.go).
func TestForgeMinimal(t *testing.T) {
	ds := handSet()
	e := Expect(ds, false)
	for _, tc := range []struct {
		registry string
		want     map[string]int
		total    int
	}{
		// The packages and the versions (one page); the re-check and the read back;
		// the tagged index C read; A, C, S and the throwaway of PR1-b (on R, which 5.0
		// keeps) deleted; the throwaway's PUT, its config uploaded (POST and PUT), one
		// registry token and one ping.
		{RegistryGHCR, map[string]int{KindGHCRPackages: 1, KindGHCRVersions: 1 + 2, KindManifestGet: 1,
			KindGHCRVersionDelete: 3 + 1, KindManifestPut: 1, KindBlob: 2, KindToken: 1, KindPing: 1}, 14},
	} {
		m := forgeMinimal(ds, e, tc.registry)
		if diff := cmp.Diff(tc.want, m.Registry); diff != "" {
			t.Errorf("%s: minimal (-want +got):\n%s", tc.registry, diff)
		}
		if m.Total() != tc.total || m.Source != 2 {
			t.Errorf("%s: total %d, source %d; want %d and 2", tc.registry, m.Total(), m.Source, tc.total)
		}
	}
}

// A repository with a tagged index but no throwaway still reads the index through
// the registry: a registry token and a ping.
func TestForgeMinimalSignsInToReadAnIndex(t *testing.T) {
	ds := handSet()
	ds.Repos[0].Tags = ds.Repos[0].Tags[2:] // no 5.0: PR1-b's image goes whole, no throwaway
	e := Expect(ds, false)
	m := forgeMinimal(ds, e, RegistryGHCR)
	if m.Registry[KindManifestPut] != 0 || m.Registry[KindManifestGet] != 1 || m.Registry[KindToken] != 1 || m.Registry[KindPing] != 1 {
		t.Errorf("minimal: %v; want the index read with one token and one ping, no throwaway", m.Registry)
	}
}
