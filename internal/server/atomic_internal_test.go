package server

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prsweep/prsweep/internal/report"
)

// A report file that cannot be put in place leaves no part of it behind, and the
// sweep is listed without it; one discarded (its report failed) leaves nothing.
func TestReportFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	h, err := openHistory(dir, 10, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the report goes: the rename into place fails, even as root.
	if err := os.Mkdir(filepath.Join(dir, "sweep-1.txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	f := h.newReport()
	if _, err := f.Write([]byte("a report")); err != nil {
		t.Fatal(err)
	}
	r, err := h.addFile(Record{Outcome: OutcomeOK}, f)
	if err == nil || r.Report != "" {
		t.Errorf("record %+v, error %v: want an error and no report", r, err)
	}
	d := h.newReport()
	_, _ = d.Write([]byte("half a report"))
	d.discard()
	if got, want := files(t, dir), []string{"history.json", "sweep-1.txt"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v: no temporary file left", got, want)
	}
}
