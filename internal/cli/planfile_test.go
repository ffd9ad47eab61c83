package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
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
