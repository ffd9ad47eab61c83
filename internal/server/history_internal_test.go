package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

var discard = slog.New(slog.DiscardHandler)

func at(min int) time.Time { return time.Date(2026, 12, 6, 8, min, 0, 0, time.UTC) }

func ids(recs []Record) []int {
	var out []int
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The history keeps the last limit sweeps and their reports, survives a restart,
// never reuses an id, and prunes old reports.
func TestHistoryKeepsTheLastSweepsAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "history")
	h, err := openHistory(dir, 3, report.JSON, discard)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		r, err := h.add(Record{Started: at(i), Ended: at(i + 1), Trigger: TriggerSchedule, Outcome: OutcomeOK, Deleted: i}, []byte(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil || r.ID != i+1 || r.Report != fmt.Sprintf("sweep-%d.json", i+1) {
			t.Fatalf("add %d: %+v, %v", i, r, err)
		}
	}
	if got := ids(h.list()); !slices.Equal(got, []int{4, 3, 2}) {
		t.Errorf("ids %v, want the last three, newest first", got)
	}
	if got, want := files(t, dir), []string{"history.json", "sweep-2.json", "sweep-3.json", "sweep-4.json"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v: the oldest report pruned, no temporary file left", got, want)
	}
	if _, ok := h.report(1); ok {
		t.Error("the pruned sweep's report is still served")
	}
	path, ok := h.report(3)
	if b, err := os.ReadFile(path); !ok || err != nil || string(b) != `{"n":2}` {
		t.Errorf("report 3: %q %v %v", b, ok, err)
	}

	// A restart with a smaller limit: the history is read back and pruned.
	h, err = openHistory(dir, 2, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(h.list()); !slices.Equal(got, []int{4, 3}) {
		t.Errorf("after a restart: ids %v, want [4 3]", got)
	}
	r, err := h.add(Record{Started: at(9), Outcome: OutcomeFailures}, []byte("text report"))
	if err != nil || r.ID != 5 || r.Report != "sweep-5.txt" {
		t.Errorf("after a restart: %+v, %v; want id 5 (never reused), a text report", r, err)
	}
	if got, want := files(t, dir), []string{"history.json", "sweep-4.json", "sweep-5.txt"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

// What a crash between two writes leaves (a temporary file, a report no record
// names) is removed at start; a damaged index is set aside, not fatal.
func TestHistoryRecoversFromACrash(t *testing.T) {
	dir := t.TempDir()
	h, err := openHistory(dir, 10, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.add(Record{Outcome: OutcomeOK}, []byte("one")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".tmp-history.json-123", "sweep-2.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("left over"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h, err = openHistory(dir, 10, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := files(t, dir), []string{"history.json", "sweep-1.txt"}; !slices.Equal(got, want) || len(h.list()) != 1 {
		t.Errorf("files %v, want %v; %d records", got, want, len(h.list()))
	}

	if err := os.WriteFile(filepath.Join(dir, indexFile), []byte(`{"schema":"prsweep.history/v1","sweeps":[{`), 0o600); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	h, err = openHistory(dir, 10, report.Text, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.list()) != 0 || !strings.Contains(log.String(), "set aside") {
		t.Errorf("a damaged index: %d records, log %q", len(h.list()), log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, indexFile+".damaged")); err != nil {
		t.Errorf("the damaged index is not kept aside: %v", err)
	}
}

// Without a directory the history lives in memory and keeps no report.
func TestHistoryInMemory(t *testing.T) {
	h, err := openHistory("", 2, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := h.add(Record{Outcome: OutcomeOK}, []byte("report")); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.list(); len(got) != 2 || got[0].ID != 3 || got[0].Report != "" {
		t.Errorf("records %+v", got)
	}
}

func TestHistoryWriteFailureIsReported(t *testing.T) {
	dir := t.TempDir()
	h, err := openHistory(dir, 10, report.Text, discard)
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the index goes: the rename into place fails, even as root.
	if err := os.Mkdir(filepath.Join(dir, indexFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := h.add(Record{Outcome: OutcomeOK}, []byte("report")); err == nil {
		t.Error("no error writing to a read-only directory")
	}
	if len(h.list()) != 1 {
		t.Error("the sweep is not listed in memory")
	}
}

func TestExitCodeOf(t *testing.T) {
	for _, c := range []struct {
		outcome string
		err     error
		want    int
	}{
		{OutcomeOK, nil, 0}, {OutcomeFailures, nil, 1}, {OutcomeLimit, errors.New("limit"), 3},
		{OutcomeError, fmt.Errorf("x: %w", sweep.ErrCredentials), 2}, {OutcomeError, io.EOF, 1},
	} {
		if got := exitCodeOf(c.outcome, c.err); got != c.want {
			t.Errorf("exitCodeOf(%s, %v) = %d, want %d", c.outcome, c.err, got, c.want)
		}
	}
}

func TestChart(t *testing.T) {
	if newChart(nil) != nil {
		t.Error("a chart of nothing")
	}
	recs := []Record{
		{ID: 1, Started: at(0), Deleted: 4, Bytes: 4000},
		{ID: 2, Started: at(1), Deleted: 2}, // no sizes: the line breaks
		{ID: 3, Started: at(2), Deleted: 0}, // nothing removed: 0 bytes, known
		{ID: 4, Started: at(3), Deleted: 1, Bytes: 1000, DryRun: true},
	}
	c := newChart(recs)
	if len(c.Bars) != 4 || math.Abs(c.Bars[0].H-0.8*(chartBase-chartTop)) > 0.01 || c.Bars[2].H != 0 || !c.Bars[3].DryRun {
		t.Errorf("bars %+v", c.Bars)
	}
	if strings.Count(c.Bytes, "M") != 2 || strings.Count(c.Bytes, "L") != 1 || len(c.Points) != 3 {
		t.Errorf("bytes line %q, %d points: want two pieces, three points", c.Bytes, len(c.Points))
	}
	if len(c.TagTicks) != 2 || c.TagTicks[1].Label != "5" || c.ByteTicks[2].Label != "4.0 kB" {
		t.Errorf("ticks %+v %+v", c.TagTicks, c.ByteTicks)
	}
	if c := newChart([]Record{{Deleted: 3}}); c.Bytes != "" || c.ByteTicks != nil {
		t.Errorf("no sizes anywhere: line %q ticks %v", c.Bytes, c.ByteTicks)
	}
}
