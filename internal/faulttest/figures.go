package faulttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Figures are the totals of a suite.
type Figures struct {
	mu sync.Mutex

	Runs       int
	ByRegistry map[registrytest.Kind]int // runs on each registry
	FailedRuns []uint64                  // seeds with a violation
	Faults     map[string]map[Kind]int   // by proxy name, then kind
	Violations map[string]int            // by check name
	ExitCodes  map[int]int               // of the faulty sweeps
	NoReport   int                       // faulty sweeps that ended before a report
	Deleted    int                       // tags the faulty sweeps report deleted
	// GoneReportedFailed are tags the registry deleted while the client saw a
	// failure, which the report lists as failed.
	GoneReportedFailed int
	FailuresReported   int // failed items in the faulty sweeps' reports
	CleanDeleted       int // tags the fault-free sweeps deleted
	// Dangling are tags the registry listed with their manifest missing, after
	// a faulty sweep and after a fault-free one.
	Dangling, CleanDangling int
	Elapsed                 time.Duration
}

func newFigures() *Figures {
	return &Figures{Faults: map[string]map[Kind]int{}, Violations: map[string]int{}, ExitCodes: map[int]int{},
		ByRegistry: map[registrytest.Kind]int{}}
}

func (f *Figures) add(r *Run, violations map[string][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Runs++
	f.ByRegistry[r.Setup.Registry]++
	for _, d := range r.After {
		if d == Dangling {
			f.Dangling++
		}
	}
	for _, d := range r.Final {
		if d == Dangling {
			f.CleanDangling++
		}
	}
	if len(violations) > 0 {
		f.FailedRuns = append(f.FailedRuns, r.Seed)
	}
	for _, p := range []*Proxy{r.Registry, r.Source} {
		if f.Faults[p.Name()] == nil {
			f.Faults[p.Name()] = map[Kind]int{}
		}
		for k, n := range p.Counts() {
			f.Faults[p.Name()][k] += n
		}
	}
	for name, v := range violations {
		f.Violations[name] += len(v)
	}
	f.ExitCodes[r.Outcome.Code]++
	if r.Report == nil {
		f.NoReport++
	} else {
		f.FailuresReported += r.Report.Summary.Failed
	}
	f.Deleted += len(r.Report.Done())
	f.GoneReportedFailed += len(r.GoneReportedFailed())
	f.CleanDeleted += len(r.CleanReport.Done())
}

// Total returns the faults injected by every proxy.
func (f *Figures) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, byKind := range f.Faults {
		for _, c := range byKind {
			n += c
		}
	}
	return n
}

func (f *Figures) String() string {
	total := f.Total()
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	names := slices.Sorted(maps.Keys(f.Faults))
	fmt.Fprintf(tw, "fault\t%s\t\n", strings.Join(names, "\t"))
	for _, k := range Kinds() {
		fmt.Fprintf(tw, "%s\t", k)
		for _, n := range names {
			fmt.Fprintf(tw, "%d\t", f.Faults[n][k])
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "runs %d (%s) in %s; faults injected %d\n", f.Runs, byRegistry(f.ByRegistry), f.Elapsed.Round(time.Second), total)
	fmt.Fprintf(&b, "wrong deletions %d, unreported deletions %d, false deletion reports %d, unreported failures %d, end-state mismatches %d, secret leaks %d, kept images broken %d\n",
		f.Violations[WrongDeletion], f.Violations[UnreportedDeletion], f.Violations[FalseDeletion], f.Violations[UnreportedFailure],
		f.Violations[EndState], f.Violations[SecretLeak], f.Violations[KeptBroken])
	for _, name := range slices.Sorted(maps.Keys(f.Violations)) {
		if !slices.Contains([]string{WrongDeletion, UnreportedDeletion, FalseDeletion, UnreportedFailure, EndState, SecretLeak, KeptBroken}, name) {
			fmt.Fprintf(&b, "%s %d\n", name, f.Violations[name])
		}
	}
	fmt.Fprintf(&b, "faulty sweeps: exit codes %v, no report %d, deleted %d, failures reported %d, deleted by the registry but reported failed %d\n",
		f.ExitCodes, f.NoReport, f.Deleted, f.FailuresReported, f.GoneReportedFailed)
	fmt.Fprintf(&b, "fault-free sweeps afterwards deleted %d\n", f.CleanDeleted)
	fmt.Fprintf(&b, "dangling tags (listed, manifest missing): %d after the faulty sweeps, %d after the fault-free ones\n", f.Dangling, f.CleanDangling)
	if len(f.FailedRuns) > 0 {
		fmt.Fprintf(&b, "failed seeds: %v\n", f.FailedRuns)
	}
	return b.String()
}

func byRegistry(runs map[registrytest.Kind]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(runs)) {
		parts = append(parts, fmt.Sprintf("%d on %s", runs[k], k))
	}
	return strings.Join(parts, ", ")
}

// pool hands out worlds, each to one run at a time, and builds them on demand.
type pool struct {
	mu   sync.Mutex
	idle map[registrytest.Kind][]*World
	all  []*World
}

func newPool() *pool { return &pool{idle: map[registrytest.Kind][]*World{}} }

func (p *pool) get(ctx context.Context, kind registrytest.Kind) (*World, error) {
	p.mu.Lock()
	if n := len(p.idle[kind]); n > 0 {
		w := p.idle[kind][n-1]
		p.idle[kind] = p.idle[kind][:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	w, err := NewWorld(context.WithoutCancel(ctx), kind)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all = append(p.all, w)
	return w, nil
}

func (p *pool) put(w *World) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle[w.Kind()] = append(p.idle[w.Kind()], w)
}

// discard drops a world that a run may have left dirty; close stops it.
func (p *pool) discard(*World) {}

func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, w := range p.all {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}
