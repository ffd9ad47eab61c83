package faulttest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// Environment variables that set SuiteOptions.Runs, FirstSeed and Registry when
// those are zero: PRSWEEP_FAULT_REGISTRY=v3 or =2.8 sweeps that registry in every
// run.
const (
	RunsEnv     = "PRSWEEP_FAULT_RUNS"
	SeedEnv     = "PRSWEEP_FAULT_SEED"
	RegistryEnv = "PRSWEEP_FAULT_REGISTRY"
)

// Defaults of SuiteOptions.
const (
	DefaultRuns           = 200
	DefaultAttemptTimeout = 100 * time.Millisecond
	DefaultParallel       = 4
)

// Token is the Azure DevOps token of the suite's fake (a made-up PAT).
const Token = "pat-fault7q2hx3vkz5sw4m9c2r8e6tnb1y0plhd4u5gfa3j7okeqz2"

// SuiteOptions configure Suite.
type SuiteOptions struct {
	// Sweep runs one sweep; required.
	Sweep SweepFunc
	// Runs is how many seeded runs (default: $PRSWEEP_FAULT_RUNS, else 200;
	// PRSWEEP_FAULT_RUNS=0 skips the suite).
	Runs int
	// FirstSeed is the seed of the first run; run i has FirstSeed+i (default:
	// $PRSWEEP_FAULT_SEED, else 1).
	FirstSeed uint64
	// Rates gives each run's fault rates (default IntensityRates).
	Rates func(seed uint64) Rates
	// Checks are run after DefaultChecks.
	Checks []Check
	// ConfigExtra, when set, returns YAML appended to the configuration of a
	// sweep whose own directory is dir: how a check gets the files it reads
	// (`audit: <dir>/audit.jsonl`, read back from Run.Dir and Run.CleanDir).
	ConfigExtra func(dir string) string
	// AttemptTimeout bounds each HTTP attempt of the faulty sweep: how long a
	// held request costs (default 100ms). The fault-free sweep gets 30s.
	AttemptTimeout time.Duration
	// Parallel is how many runs go at once, each on its own registry (default 4).
	Parallel int
	// Registry says which registry a seed's run sweeps (default: $PRSWEEP_FAULT_REGISTRY
	// for every run, else DefaultRegistry). Registries are reused from run to
	// run, one per kind and run in flight.
	Registry func(seed uint64) registrytest.Kind
}

// DefaultRegistry sweeps distribution 2.8 in every third run (seeds divisible by
// 3, which meet every intensity and --debug on and off) and v3 in the others: a
// 2.8 registry is a process of its own, slower to seed.
func DefaultRegistry(seed uint64) registrytest.Kind {
	if seed%3 == 0 {
		return registrytest.KindDistribution28
	}
	return registrytest.KindV3
}

// IntensityRates are DefaultRates scaled by 0.05, 0.25, 0.5, 1 or 2 as seed mod 5
// says: some runs see a few faults (and often exit 0), some many.
func IntensityRates(seed uint64) Rates {
	return DefaultRates().Scale([]float64{0.05, 0.25, 0.5, 1, 2}[seed%5])
}

func (o *SuiteOptions) defaults() error {
	if o.Sweep == nil {
		return fmt.Errorf("faulttest: SuiteOptions.Sweep is required")
	}
	if o.Runs == 0 {
		o.Runs = DefaultRuns
		if v := os.Getenv(RunsEnv); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("faulttest: %s=%q is not a positive number", RunsEnv, v)
			}
			o.Runs = n
		}
	}
	if o.FirstSeed == 0 {
		o.FirstSeed = 1
		if v := os.Getenv(SeedEnv); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("faulttest: %s=%q is not a seed", SeedEnv, v)
			}
			o.FirstSeed = n
		}
	}
	if o.Rates == nil {
		o.Rates = IntensityRates
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Registry == nil {
		o.Registry = DefaultRegistry
		switch v := registrytest.Kind(os.Getenv(RegistryEnv)); v {
		case "":
		case registrytest.KindV3, registrytest.KindDistribution28:
			o.Registry = func(uint64) registrytest.Kind { return v }
		default:
			return fmt.Errorf("faulttest: %s=%q is neither %s nor %s", RegistryEnv, v, registrytest.KindV3, registrytest.KindDistribution28)
		}
	}
	return nil
}

// Suite runs o.Runs seeded runs, o.Parallel at a time, as subtests runs/seed=N,
// logs the figures and returns them. Each run sweeps the fixture through a
// registry proxy and a source proxy, sweeps again without faults, runs every
// check, and restores the registry. A failing run names its seed, the faults it
// met, and how to run it alone.
func Suite(t *testing.T, o SuiteOptions) *Figures {
	t.Helper()
	if o.Runs == 0 && os.Getenv(RunsEnv) == "0" {
		t.Skipf("%s=0: the fault-injection suite runs in a step of its own", RunsEnv)
	}
	if err := o.defaults(); err != nil {
		t.Fatal(err)
	}
	checks := append(DefaultChecks(), o.Checks...)
	worlds := newPool()
	t.Cleanup(func() {
		if err := worlds.close(); err != nil {
			t.Errorf("stopping the registries: %v", err)
		}
	})
	figures := newFigures()
	started := time.Now()
	seeds := make(chan uint64, o.Runs)
	for i := range o.Runs {
		seeds <- o.FirstSeed + uint64(i)
	}
	close(seeds)
	t.Run("runs", func(t *testing.T) {
		// Workers call t.Run concurrently: runs wait on timeouts more than they
		// use the CPU, and go test's -parallel (GOMAXPROCS) would bound them.
		var wg sync.WaitGroup
		for range min(o.Parallel, o.Runs) {
			wg.Go(func() {
				for seed := range seeds {
					t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
						violations, r := oneRun(t, worlds, seed, o, checks)
						if r != nil {
							figures.add(r, violations)
						}
						if len(violations) > 0 {
							t.Errorf("seed %d (%s) broke the rules:\n%s\nthe faulty sweep exited %d; the end of its log:\n%s\n%s\nrerun it alone: %s",
								seed, r.Setup, describe(violations), r.Outcome.Code, tail(r.Outcome.Stderr, 20), r.faults(), rerun(t, seed))
						}
					})
				}
			})
		}
		wg.Wait()
	})
	figures.Elapsed = time.Since(started)
	t.Logf("fault-injection figures:\n%s", figures)
	return figures
}

// oneRun runs one seed on a world from the pool and checks it. A nil Run means
// the harness failed (the test is marked failed), or 2.8 is not installed (the
// run is skipped, or failed with PRSWEEP_REQUIRE_DISTRIBUTION28=1).
func oneRun(t *testing.T, worlds *pool, seed uint64, o SuiteOptions, checks []Check) (map[string][]string, *Run) {
	kind := o.Registry(seed)
	w, err := worlds.get(t.Context(), kind)
	if errors.Is(err, fs.ErrNotExist) && kind == registrytest.KindDistribution28 && os.Getenv(registrytest.RequireDistribution28Env) != "1" {
		t.Skipf("seed %d sweeps distribution 2.8, which is not installed (%s): %v", seed, registrytest.InstallDistribution28, err)
	}
	if err != nil {
		t.Errorf("seed %d: %v", seed, err)
		return nil, nil
	}
	r, err := runOnce(t, w, seed, o)
	if err != nil {
		worlds.discard(w)
		t.Errorf("seed %d: %v", seed, err)
		return nil, nil
	}
	worlds.put(w)
	violations := map[string][]string{}
	for _, c := range checks {
		if v := c.Fn(r); len(v) > 0 {
			violations[c.Name] = v
		}
	}
	return violations, r
}

// runOnce sweeps through faults, reads the registry, sweeps without faults,
// reads it again, pulls every tag that stays, and restores the registry. An
// error means the harness, not prsweep, failed: the world may be left dirty.
func runOnce(t *testing.T, w *World, seed uint64, o SuiteOptions) (*Run, error) {
	ctx := t.Context()
	f := w.Fixture()
	r := &Run{Seed: seed, Setup: SetupFor(seed, w.Kind()), States: States(seed), Digests: f.Digests, Children: f.Children, Dir: t.TempDir()}
	r.Expected = ExpectedDeleted(f, r.States, r.Setup)
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", Token)
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for id, s := range r.States {
		if s == "active" {
			ado.SetPR(id, s, time.Time{})
		} else {
			ado.SetPR(id, s, closed)
		}
	}
	rates := o.Rates(seed)
	var err error
	if r.Registry, err = NewProxy("http://"+w.Host(), Options{Name: "registry", Seed: seed << 1, Rates: rates}); err != nil {
		return nil, err
	}
	defer r.Registry.Close()
	if r.Source, err = NewProxy(ado.URL(), Options{Name: "source", Seed: seed<<1 | 1, Rates: rates}); err != nil {
		return nil, err
	}
	defer r.Source.Close()

	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	env := map[string]string{"ADO_TOKEN": Token}
	config := func(registryHost, adoURL, dir string) []byte {
		c := Config(registryHost, adoURL, r.Setup)
		if o.ConfigExtra != nil {
			c = append(c, o.ConfigExtra(dir)...)
		}
		return c
	}
	faulty := sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(noSleep)}, AttemptTimeout: o.AttemptTimeout}
	var dump httpxtest.Buffer
	if seed%2 == 1 { // half the runs with --debug on: its dump must hold no secret, and change nothing
		faulty.Debug = &dump
	}
	r.Outcome = o.Sweep(ctx, Invocation{Config: config(r.Registry.Host(), r.Source.URL()+"/contoso", r.Dir), Dir: r.Dir, Env: env, Options: faulty})
	r.Debug = dump.Bytes()
	r.Report, _ = DecodeReport(r.Outcome.Report)
	if r.After, err = w.Contents(ctx); err != nil {
		return nil, err
	}
	r.CleanDir, r.CleanStarted = t.TempDir(), time.Now()
	r.Registry.Calm() // the same registry name, as a nightly sweep sees it
	r.Clean = o.Sweep(ctx, Invocation{Config: config(r.Registry.Host(), ado.URL(), r.CleanDir), Dir: r.CleanDir, Env: env,
		Options: sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(noSleep)}, AttemptTimeout: 30 * time.Second}})
	r.CleanReport, _ = DecodeReport(r.Clean.Report)
	if r.Final, err = w.Contents(ctx); err != nil {
		return nil, err
	}
	stay := map[string]string{} // pulled once, after both sweeps: nothing a sweep removes comes back
	for ref, d := range r.Digests {
		if !slices.Contains(r.Expected, ref) && r.Final[ref] == d {
			stay[ref] = d
		}
	}
	for _, e := range r.Registry.Exchanges() { // prsweep never deletes a blob; if it ever does, check them all again
		if e.Method == "DELETE" && strings.Contains(e.Target, "/blobs/") {
			w.ForgetBlobs()
		}
	}
	if r.Broken, err = w.PullAll(ctx, stay); err != nil {
		return nil, err
	}
	return r, w.Restore(ctx, r.Final)
}
