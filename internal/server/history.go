package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// Record is one finished sweep, as the status page lists it.
type Record struct {
	ID        int       `json:"id"` // 1, 2, …: never reused, across restarts too
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`
	Trigger   string    `json:"trigger"`
	PR        string    `json:"pr,omitempty"`
	Outcome   string    `json:"outcome"`
	ExitCode  int       `json:"exitCode"` // what `prsweep run` would have exited with
	DryRun    bool      `json:"dryRun,omitempty"`
	Deleted   int       `json:"deleted"` // in a dry run: would be deleted
	Kept      int       `json:"kept"`
	Failed    int       `json:"failed"`
	Manifests int       `json:"manifests,omitempty"`
	Bytes     int64     `json:"bytes,omitempty"`  // freed, where the registry gave sizes; 0: not known
	Error     string    `json:"error,omitempty"`  // why the sweep could not look at anything
	Report    string    `json:"report,omitempty"` // the report's file in the history directory
}

// historySchema names the index file's format.
const historySchema = "prsweep.history/v1"

// indexFile is the history's index: every kept Record, oldest first.
const indexFile = "history.json"

type index struct {
	Schema string   `json:"schema"`
	Next   int      `json:"next"`
	Sweeps []Record `json:"sweeps"`
}

// history keeps the last sweeps and their reports: on disk in dir, written
// atomically (a temporary file renamed into place) so that a crash leaves the old
// state or the new one, or in memory without reports when dir is "".
type history struct {
	dir   string
	limit int
	ext   string // of report files, from the server's report format
	log   *slog.Logger

	mu   sync.Mutex
	next int
	recs []Record // oldest first, at most limit
}

var reportExt = map[report.Format]string{report.Text: ".txt", report.JSON: ".json", report.Markdown: ".md"}

// openHistory reads the history kept in dir, prunes it to limit and removes what
// an interrupted write left behind. A damaged index is set aside, with a warning:
// the server starts with an empty history rather than not at all.
func openHistory(dir string, limit int, f report.Format, log *slog.Logger) (*history, error) {
	h := &history{dir: dir, limit: max(limit, 1), ext: reportExt[f], log: log, next: 1}
	if h.ext == "" {
		h.ext = ".txt"
	}
	if dir == "" {
		return h, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating serve.history: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, indexFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading serve.history: %w", err)
	default:
		var ix index
		if err := json.Unmarshal(data, &ix); err != nil || ix.Schema != historySchema {
			aside := filepath.Join(dir, indexFile+".damaged")
			log.Warn("the sweep history's index cannot be read; it is set aside and a new one begun",
				"file", filepath.Join(dir, indexFile), "error", err, "asideAs", aside)
			if err := os.Rename(filepath.Join(dir, indexFile), aside); err != nil {
				return nil, fmt.Errorf("setting the damaged history index aside: %w", err)
			}
			break
		}
		h.recs, h.next = ix.Sweeps, max(ix.Next, 1)
	}
	dropped := h.prune()
	if len(dropped) > 0 {
		if err := h.writeIndex(); err != nil {
			return nil, err
		}
	}
	h.removeStray()
	return h, nil
}

// add is addFile for a report held whole (nil: none).
func (h *history) add(r Record, rep []byte) (Record, error) {
	var f *atomicFile
	if h.dir != "" && rep != nil {
		f = h.newReport()
		_, _ = f.Write(rep) // a failure waits for commit
	}
	return h.addFile(r, f)
}

// newReport starts a sweep's report file in the history directory, which must be
// set; addFile names it once the sweep has its id.
func (h *history) newReport() *atomicFile { return createAtomic(h.dir, "report") }

// addFile records a finished sweep and its report (nil: none), renaming the
// report into place as sweep-<id>, and prunes the oldest beyond the limit. A
// failure to write is returned; the sweep stays listed in memory.
func (h *history) addFile(r Record, rep *atomicFile) (Record, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.ID = h.next
	h.next++
	var errs []error
	if rep != nil {
		name := "sweep-" + strconv.Itoa(r.ID) + h.ext
		if err := rep.commit(name); err != nil {
			errs = append(errs, fmt.Errorf("keeping the report of sweep %d: %w", r.ID, err))
		} else {
			r.Report = name
		}
	}
	h.recs = append(h.recs, r)
	dropped := h.prune()
	if h.dir != "" {
		if err := h.writeIndex(); err != nil {
			errs = append(errs, err)
		} else {
			for _, d := range dropped {
				if d.Report != "" {
					_ = os.Remove(filepath.Join(h.dir, d.Report))
				}
			}
		}
	}
	return r, errors.Join(errs...)
}

// prune drops the oldest records beyond the limit and returns them; h.mu is held
// (or h is not shared yet).
func (h *history) prune() []Record {
	if len(h.recs) <= h.limit {
		return nil
	}
	n := len(h.recs) - h.limit
	dropped := slices.Clone(h.recs[:n])
	h.recs = slices.Delete(h.recs, 0, n)
	return dropped
}

func (h *history) writeIndex() error {
	data, err := json.MarshalIndent(index{Schema: historySchema, Next: h.next, Sweeps: h.recs}, "", " ")
	if err != nil {
		return err
	}
	if err := writeAtomic(h.dir, indexFile, append(data, '\n')); err != nil {
		return fmt.Errorf("writing the sweep history: %w", err)
	}
	return nil
}

// removeStray removes the reports no record names and the temporary files of
// writes a crash interrupted.
func (h *history) removeStray() {
	kept := map[string]bool{}
	for _, r := range h.recs {
		kept[r.Report] = true
	}
	entries, _ := os.ReadDir(h.dir)
	for _, e := range entries {
		name := e.Name()
		stray := strings.HasPrefix(name, ".tmp-") || strings.HasPrefix(name, "sweep-") && !kept[name]
		if stray && e.Type().IsRegular() {
			_ = os.Remove(filepath.Join(h.dir, name))
		}
	}
}

// list returns the records, newest first.
func (h *history) list() []Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.recs)
	slices.Reverse(out)
	return out
}

// report returns the path of sweep id's report, if it is kept.
func (h *history) report(id int) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if r.ID == id && r.Report != "" && h.dir != "" {
			return filepath.Join(h.dir, r.Report), true
		}
	}
	return "", false
}

// exitCodeOf is the exit code `prsweep run` would have given a sweep (SPEC.md).
func exitCodeOf(outcome string, err error) int {
	switch outcome {
	case OutcomeOK:
		return 0
	case OutcomeLimit:
		return 3
	case OutcomeError:
		if errors.Is(err, sweep.ErrCredentials) {
			return 2
		}
	}
	return 1
}
