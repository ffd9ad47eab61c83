package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A plan that fails half-way leaves the last plan at the path as it was; one
// that is whole, or kept whole by a safety limit, replaces it.
func TestPlanFileIsReplacedOnlyWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, []byte("yesterday's plan"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("credentials refused")
	_, err := writePlanFile(path, func(w io.Writer) (sweep.Result, error) {
		_, _ = io.WriteString(w, `{"schema":`)
		return sweep.Result{}, broken
	})
	if got, _ := os.ReadFile(path); !errors.Is(err, broken) || string(got) != "yesterday's plan" {
		t.Fatalf("after a failed plan: %v, the file holds %q", err, got)
	}
	limit := &plan.LimitError{Key: "safety.maxDeletions", Limit: 1, Planned: 2}
	_, err = writePlanFile(path, func(w io.Writer) (sweep.Result, error) {
		_, _ = io.WriteString(w, "today's plan")
		return sweep.Result{}, limit
	})
	if got, _ := os.ReadFile(path); !errors.Is(err, plan.ErrLimit) || string(got) != "today's plan" {
		t.Errorf("after a plan over a limit: %v, the file holds %q", err, got)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".plan.json.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// The journal of deletions is opened only for a plan that will delete: a saved
// plan over a safety limit, or refused, leaves no audit file behind, and an
// audit path that cannot be written does not hide the limit's report (exit 3).
func TestApplyOpensTheJournalOnlyToDelete(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	vars := map[string]string{"REGISTRY_USER": "", "REGISTRY_PASSWORD": ""}
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if r := invoke(t, vars, sweep.Options{}, "plan", "--config", writeConfig(t, classicStaticConfig(srv.Host(), "")), "--out", planFile); r.code != ExitOK {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	limited := writeConfig(t, classicStaticConfig(srv.Host(), "safety:\n  maxDeletions: 3\n"))
	journal := filepath.Join(dir, "audit.jsonl")
	if r := invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", limited, "--audit", journal); r.code != ExitSafety {
		t.Errorf("over the limit: exit %d, want 3\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(journal); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("over the limit, the journal was opened: %v", err)
	}
	unwritable := filepath.Join(dir, "no-such-dir", "audit.jsonl")
	if r := invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", limited, "--audit", unwritable); r.code != ExitSafety || !strings.Contains(r.stdout, "0 deleted, 18 preserved") {
		t.Errorf("over the limit with an audit path that cannot be written: exit %d, want 3 with the report\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := invoke(t, vars, sweep.Options{}, "apply", planFile, "--config", writeConfig(t, classicStaticConfig(srv.Host(), "")), "--audit", journal); r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(journal); err != nil || len(data) == 0 {
		t.Errorf("after deleting, the journal: %v, %d bytes", err, len(data))
	}
}

// A sweep that stopped part-way reports what it did, and exits 1.
func TestPartialSweepIsReported(t *testing.T) {
	var out strings.Builder
	st, err := report.NewStream(&out, report.Text, report.Report{})
	if err != nil {
		t.Fatal(err)
	}
	res := sweep.Result{Items: []plan.Item{{Repository: "a", Tag: "PR1", Action: policy.Delete, Done: true, Method: "untag", Digest: "sha256:1"}}}
	code, err := printStream(st, res, fmt.Errorf("%w: reading the plan back: unexpected EOF", sweep.ErrPartial))
	if code != ExitFailed || err == nil || !strings.Contains(out.String(), "1 deleted") {
		t.Errorf("exit %d, %v; report:\n%s", code, err, out.String())
	}
}
