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
)

// Figures are the totals of a suite.
type Figures struct {
	mu sync.Mutex

	Runs       int
	FailedRuns []uint64                // seeds with a violation
	Faults     map[string]map[Kind]int // by proxy name, then kind
	Violations map[string]int          // by check name
	ExitCodes  map[int]int             // of the faulty sweeps
	NoReport   int                     // faulty sweeps that ended before a report
	Deleted    int                     // tags the faulty sweeps report deleted
	// GoneReportedFailed are tags the registry deleted while the client saw a
	// failure, which the report lists as failed.
	GoneReportedFailed int
	FailuresReported   int // failed items in the faulty sweeps' reports
	CleanDeleted       int // tags the fault-free sweeps deleted
	Elapsed            time.Duration
}

func newFigures() *Figures {
	return &Figures{Faults: map[string]map[Kind]int{}, Violations: map[string]int{}, ExitCodes: map[int]int{}}
}

func (f *Figures) add(r *Run, violations map[string][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Runs++
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
	fmt.Fprintf(&b, "runs %d in %s; faults injected %d\n", f.Runs, f.Elapsed.Round(time.Second), total)
	fmt.Fprintf(&b, "wrong deletions %d, unreported deletions %d, false deletion reports %d, unreported failures %d, end-state mismatches %d, secret leaks %d\n",
		f.Violations[WrongDeletion], f.Violations[UnreportedDeletion], f.Violations[FalseDeletion], f.Violations[UnreportedFailure],
		f.Violations[EndState], f.Violations[SecretLeak])
	for _, name := range slices.Sorted(maps.Keys(f.Violations)) {
		if !slices.Contains([]string{WrongDeletion, UnreportedDeletion, FalseDeletion, UnreportedFailure, EndState, SecretLeak}, name) {
			fmt.Fprintf(&b, "%s %d\n", name, f.Violations[name])
		}
	}
	fmt.Fprintf(&b, "faulty sweeps: exit codes %v, no report %d, deleted %d, failures reported %d, deleted by the registry but reported failed %d\n",
		f.ExitCodes, f.NoReport, f.Deleted, f.FailuresReported, f.GoneReportedFailed)
	fmt.Fprintf(&b, "fault-free sweeps afterwards deleted %d\n", f.CleanDeleted)
	if len(f.FailedRuns) > 0 {
		fmt.Fprintf(&b, "failed seeds: %v\n", f.FailedRuns)
	}
	return b.String()
}

// pool hands out worlds, each to one run at a time, and builds them on demand.
type pool struct {
	mu   sync.Mutex
	idle []*World
	all  []*World
}

func newPool() *pool { return &pool{} }

func (p *pool) get(ctx context.Context) (*World, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	w, err := NewWorld(context.WithoutCancel(ctx))
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
	p.idle = append(p.idle, w)
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
