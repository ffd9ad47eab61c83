package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Main is prsweep-bench: it parses args, runs the benchmark and prints the
// report; given ChildArg it runs one job instead (see RunChild). It returns the
// exit code: 0 when every prsweep sweep left the registry as expected, 1 when
// one did not (or failed), 2 for a usage error.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == ChildArg {
		return ChildMain(ctx, stdin, stdout, stderr)
	}
	o, asJSON, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "prsweep-bench: %v\n", err)
		return 2
	}
	rep, err := Run(ctx, o)
	if rep != nil && len(rep.Runs) > 0 {
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(rep)
		} else if werr := rep.Write(stdout); werr != nil {
			fmt.Fprintf(stderr, "prsweep-bench: %v\n", werr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "prsweep-bench: %v\n", err)
		return 1
	}
	for _, f := range rep.Runs {
		if f.Algorithm == AlgoPrsweep && !f.Correct() {
			return 1
		}
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (Options, bool, error) {
	fs := flag.NewFlagSet("prsweep-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `prsweep-bench: one prsweep sweep and the original script's algorithm, side by side, against
a synthetic registry served in-process, every request through a latency and quota meter.

  go run ./cmd/prsweep-bench -registry v3 -latency 10ms
  go run ./cmd/prsweep-bench -registry 2.8 -repos 10 -tags 500
  go run ./cmd/prsweep-bench -registry acr -sku standard
  go run ./cmd/prsweep-bench -registry memory -repos 100 -tags 10000 -latency 0 -algorithms prsweep
  go run ./cmd/prsweep-bench -faults -repos 10 -tags 100 -algorithms prsweep

`)
		fs.PrintDefaults()
	}
	var o Options
	var quota, algorithms string
	var inProcess, asJSON, faults bool
	fs.StringVar(&o.Registry, "registry", RegistryV3, "registry: "+strings.Join(Registries(), ", "))
	fs.IntVar(&o.Repos, "repos", 0, "repositories (default 10; 2 for acr, ghcr and gitlab)")
	fs.IntVar(&o.Tags, "tags", 0, "tags per repository (default 500; 100 for acr, ghcr and gitlab)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the data set")
	fs.DurationVar(&o.Latency, "latency", 10*time.Millisecond, "latency added to every request (registry, source, Entra)")
	fs.StringVar(&quota, "quota", "", "registry quota: basic, standard, premium (ACR's figures) or READS/WRITES per minute, e.g. 3000/500; acr defaults to standard")
	fs.DurationVar(&o.Quota.Burst, "quota-burst", time.Second, "how much of the quota's rate a full bucket holds")
	fs.StringVar(&o.SKU, "sku", "", "rateLimit.sku in prsweep's configuration (left out when empty)")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "prsweep's concurrency (default: the configuration's default)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "dry runs: decide and delete nothing")
	fs.BoolVar(&o.PlanApply, "plan-apply", false, "prsweep runs `plan --out FILE`, then `apply FILE` (one process, both measured), instead of `run`")
	fs.StringVar(&o.ExtraYAML, "yaml", "", "configuration appended to prsweep's (top-level keys)")
	fs.StringVar(&algorithms, "algorithms", AlgoPrsweep+","+AlgoOriginal, "what to run, comma-separated: prsweep, original")
	fs.BoolVar(&inProcess, "inprocess", false, "run the sweeps in this process (memory figures then include the registry)")
	fs.StringVar(&o.LogLevel, "log-level", "warn", "level of the sweeps' logs (stderr)")
	fs.StringVar(&o.Output, "output", "text", "prsweep's report format: text, json or markdown (the report itself is discarded)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&faults, "faults", false, "inject faults into the registry's and the source's requests: 0.2% held 60s, 5% answered 500, 503 or 429")
	fs.StringVar(&o.HeapFile, "heap-profile", "", "write a heap profile of prsweep's sweep near its peak to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if fs.NArg() > 0 {
		return o, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	small := o.Registry == RegistryACR || isForge(o.Registry) // the ACR and GHCR fakes read every tag for each listing: keep it small
	if o.Repos == 0 {
		o.Repos = map[bool]int{true: 2, false: 10}[small]
	}
	if o.Tags == 0 {
		o.Tags = map[bool]int{true: 100, false: 500}[small]
	}
	if faults {
		o.Faults = DefaultFaults
	}
	if err := parseQuota(quota, &o.Quota); err != nil {
		return o, false, err
	}
	for _, a := range strings.Split(algorithms, ",") {
		if a = strings.TrimSpace(a); a != AlgoPrsweep && a != AlgoOriginal {
			return o, false, fmt.Errorf("-algorithms: unknown %q", a)
		}
		o.Algorithms = append(o.Algorithms, strings.TrimSpace(a))
	}
	o.Runner = RunInProcess
	if !inProcess {
		self, err := Self()
		if err != nil {
			return o, false, err
		}
		o.Runner = RunChild(self)
	}
	o.Progress = stderr
	return o, asJSON, nil
}

func parseQuota(s string, q *Quota) error {
	if s == "" {
		return nil
	}
	if sku, ok := SKUQuota(s); ok {
		q.ReadsPerMinute, q.WritesPerMinute = sku.ReadsPerMinute, sku.WritesPerMinute
		return nil
	}
	r, w, ok := strings.Cut(s, "/")
	reads, err1 := strconv.Atoi(r)
	writes, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || reads < 0 || writes < 0 {
		return fmt.Errorf("-quota %q: want basic, standard, premium or READS/WRITES", s)
	}
	q.ReadsPerMinute, q.WritesPerMinute = reads, writes
	return nil
}
