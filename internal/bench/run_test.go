package bench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/bench"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// noQuota keeps ACR's default quota out of tests: a 429's Retry-After is a
// real wait.
var noQuota = bench.Quota{ReadsPerMinute: 1 << 30, WritesPerMinute: 1 << 30}

// The harness runs end to end on every registry, small and without latency:
// prsweep leaves the registry as expected, the original algorithm leaves the
// signatures behind and on 2.8 takes release tags with the PR tags sharing their
// image, and the report prints. Wall time is not asserted.
func TestRun(t *testing.T) {
	for _, reg := range bench.Registries() {
		if reg == bench.RegistryGHCR || reg == bench.RegistryGitLab {
			continue // prsweep alone: TestRunForges
		}
		t.Run(reg, func(t *testing.T) {
			if reg == bench.Registry28 {
				requireDistribution28(t)
			}
			var progress bytes.Buffer
			rep, err := bench.Run(context.Background(), bench.Options{
				Params: bench.Params{Repos: 2, Tags: 60, Seed: 5}, Registry: reg, Quota: noQuota, Progress: &progress})
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if len(rep.Runs) != 2 {
				t.Fatalf("%d runs, want prsweep and original", len(rep.Runs))
			}
			sweep, orig := rep.Runs[0], rep.Runs[1]
			if !sweep.Correct() {
				t.Errorf("prsweep: %+v, unknown requests %q\n%s", sweep.Outcome, sweep.Unknown, progress.String())
			}
			if sweep.Registry.Total == 0 || sweep.Source.DistinctPR != rep.PRs || rep.Minimal.Total() == 0 {
				t.Errorf("prsweep: %d registry requests, %d of %d pull requests read, minimal %d",
					sweep.Registry.Total, sweep.Source.DistinctPR, rep.PRs, rep.Minimal.Total())
			}
			if len(orig.Outcome.Missed) != rep.Expected.Sigs || orig.Source.Total != rep.PRTags {
				t.Errorf("original: %d left behind (want the %d signatures), %d PR reads (want one per PR tag, %d)",
					len(orig.Outcome.Missed), rep.Expected.Sigs, orig.Source.Total, rep.PRTags)
			}
			if wrong := len(orig.Outcome.Wrong) > 0; wrong != (reg == bench.Registry28) {
				t.Errorf("original on %s: wrongly deleted %q", reg, orig.Outcome.Wrong)
			}
			var out bytes.Buffer
			if err := rep.Write(&out); err != nil || !strings.Contains(out.String(), "registry requests") {
				t.Errorf("the report: %v\n%s", err, out.String())
			}
		})
	}
}

// BenchmarkSweep runs a sweep of 2×100 tags on distribution v3 behind 1 ms per
// request, and reports its time (s/sweep; ns/op includes seeding) and requests
// against the minimal count.
//
//	go test ./internal/bench -run '^$' -bench Sweep -benchtime 3x
func BenchmarkSweep(b *testing.B) {
	o := bench.Options{Params: bench.Params{Repos: 2, Tags: 100, Seed: 1}, Registry: bench.RegistryV3,
		Latency: time.Millisecond, Algorithms: []string{bench.AlgoPrsweep}}
	var requests, minimal int
	var wall time.Duration
	for b.Loop() {
		rep, err := bench.Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if f := rep.Runs[0]; !f.Correct() {
			b.Fatalf("the sweep left the registry wrong: %+v", f.Outcome)
		}
		requests += rep.Runs[0].Registry.Total
		wall += rep.Runs[0].Result.Wall
		minimal = rep.Minimal.Total()
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/sweep")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/sweep")
	b.ReportMetric(float64(requests)/float64(b.N)/float64(minimal), "×minimal")
}

func requireDistribution28(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(registrytest.Distribution28Binary); err != nil {
		if os.Getenv(registrytest.RequireDistribution28Env) == "1" {
			t.Fatalf("distribution 2.8 is required: %v", err)
		}
		t.Skipf("distribution 2.8 is not installed: %s", registrytest.InstallDistribution28)
	}
}
