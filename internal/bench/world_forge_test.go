package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/bench"
)

// GHCR and GitLab, each with its forge's pull requests: prsweep alone (the
// original script speaks only the OCI API and Azure DevOps) leaves the registry
// as expected, its requests are counted by the forge's kinds, and no count falls
// below the minimal one.
func TestRunForges(t *testing.T) {
	for reg, deletion := range map[string]string{bench.RegistryGHCR: bench.KindGHCRVersionDelete, bench.RegistryGitLab: bench.KindGitLabTagDelete} {
		t.Run(reg, func(t *testing.T) {
			var progress bytes.Buffer
			rep, err := bench.Run(context.Background(), bench.Options{
				Params: bench.Params{Repos: 2, Tags: 30, Seed: 5}, Registry: reg, Progress: &progress})
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if len(rep.Runs) != 1 || rep.Runs[0].Algorithm != bench.AlgoPrsweep {
				t.Fatalf("%d runs, want prsweep alone", len(rep.Runs))
			}
			f := rep.Runs[0]
			if !f.Correct() {
				t.Errorf("%+v, unknown requests %q, error %q\n%s", f.Outcome, f.Unknown, f.Result.Error, progress.String())
			}
			if f.Registry.ByKind[deletion] == 0 || rep.Minimal.Registry[deletion] == 0 {
				t.Errorf("%s: %d counted, minimal %d", deletion, f.Registry.ByKind[deletion], rep.Minimal.Registry[deletion])
			}
			if f.Registry.Total < rep.Minimal.Total() || f.Source.Total < rep.Minimal.Source || rep.Minimal.Source == 0 {
				t.Errorf("registry %d requests (minimal %d), source %d (minimal %d)",
					f.Registry.Total, rep.Minimal.Total(), f.Source.Total, rep.Minimal.Source)
			}
			var out bytes.Buffer
			if err := rep.Write(&out); err != nil || !strings.Contains(out.String(), deletion) {
				t.Errorf("the report: %v\n%s", err, out.String())
			}
		})
	}
}
