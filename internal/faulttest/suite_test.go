package faulttest_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/faulttest"
)

// TestFaultSuite sweeps the classic image set and a large repository through
// injected faults, $PRSWEEP_FAULT_RUNS times (default 200), and checks every run.
//
//	PRSWEEP_FAULT_RUNS=25 go test -race -run TestFaultSuite -v ./internal/faulttest
func TestFaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault-injection suite takes a while; run it without -short")
	}
	f := faulttest.Suite(t, faulttest.SuiteOptions{
		Sweep: inProcess,
		// One journal for both sweeps of a run, as for nightly sweeps: the fault-free
		// one finds there the signatures the faulty one left behind.
		ConfigExtra: func(dir string) string { return "audit: " + filepath.Join(filepath.Dir(dir), "audit.jsonl") + "\n" },
		Checks:      []faulttest.Check{{Name: "audit log", Fn: auditMatchesRegistry}},
	})
	if f.Total() == 0 {
		t.Error("no fault was injected")
	}
}

// Extra checks run on every run and see the files the configuration extra named:
// how an audit-log check joins the suite.
func TestSuiteExtraChecks(t *testing.T) {
	var mu sync.Mutex
	var configs []string
	sweep := func(ctx context.Context, inv faulttest.Invocation) faulttest.Outcome {
		mu.Lock()
		configs = append(configs, string(inv.Config))
		mu.Unlock()
		return inProcess(ctx, inv)
	}
	checked := 0
	faulttest.Suite(t, faulttest.SuiteOptions{
		Sweep: sweep, Runs: 2, FirstSeed: 1000, Parallel: 1,
		ConfigExtra: func(dir string) string { return "# files of this sweep go to " + dir + "\n" },
		Checks: []faulttest.Check{{Name: "sees its run", Fn: func(r *faulttest.Run) []string {
			checked++
			if r.Dir == "" || r.CleanDir == "" || r.Dir == r.CleanDir || r.Report == nil && r.Outcome.Code != 1 {
				return []string{"a run without its directories or outcome"}
			}
			dumped := bytes.Contains(r.Debug, []byte("--> #1 ")) && bytes.Contains(r.Debug, []byte("Authorization: ***"))
			if dumped != (r.Seed%2 == 1) {
				return []string{"odd seeds run with --debug, even ones without"}
			}
			return nil
		}}},
	})
	if checked != 2 || len(configs) != 4 {
		t.Errorf("checked %d runs and saw %d sweeps, want 2 and 4", checked, len(configs))
	}
	for _, c := range configs {
		if !strings.Contains(c, "# files of this sweep go to /") {
			t.Errorf("a configuration without the extra:\n%s", c)
		}
	}
}

// auditMatchesRegistry: every tag the faulty sweep removed was journaled, with its
// manifest, before it went; and every tag the journal says it deleted is gone.
func auditMatchesRegistry(r *faulttest.Run) []string {
	f, err := os.Open(filepath.Join(filepath.Dir(r.Dir), "audit.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		f, err = nil, nil // a sweep that stopped before deleting wrote none
	}
	if err != nil {
		return []string{err.Error()}
	}
	var records []audit.Record
	if f != nil {
		defer f.Close()
		if records, err = audit.Read(f); err != nil {
			return []string{"reading the audit log: " + err.Error()}
		}
	}
	journaled, deleted := map[string]bool{}, map[string]bool{}
	for _, rec := range records {
		ref := rec.Repository + ":" + rec.Tag
		switch {
		case !rec.Time.Before(r.CleanStarted): // the fault-free sweep's
		case rec.Tag == "":
		case rec.Event == audit.EventDelete && len(rec.Manifest) > 0 && rec.Digest == r.Digests[ref]:
			journaled[ref] = true
		case rec.Event == audit.EventDeleted:
			deleted[ref] = true
		}
	}
	var bad []string
	for ref := range r.Digests {
		_, there := r.After[ref]
		if !there && !journaled[ref] {
			bad = append(bad, ref+" is gone but the audit log has no delete record with its manifest")
		}
		if there && deleted[ref] {
			bad = append(bad, ref+" is there but the audit log says deleted")
		}
	}
	return bad
}
