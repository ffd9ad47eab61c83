package server

import (
	"bufio"
	"io"
	"sync"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

// sweepReport is one sweep's report as it streams, as `prsweep run`'s does: add,
// the sweep's Sink, scopes each repository's items to the webhook's pull request,
// renders them into a report.Stream (a spill, past a few megabytes a temporary
// file) and counts them, so that the server holds no item past its repository (a
// million tags held whole were several gigabytes). write prints the report at
// the end, to Stdout and into the history's report file at once.
type sweepReport struct {
	ref  *scm.Ref // nil: a full sweep
	st   *report.Stream
	err  error // from NewStream: no report can be written
	out  reportOut
	buf  *bufio.Writer // the Stream writes in small pieces; Stdout may be a terminal
	mu   sync.Mutex
	tags report.Summary // Summarize(items, false), summed: prsweep_tags_total
}

func (s *Server) newSweepReport(ref *scm.Ref) *sweepReport {
	r := &sweepReport{ref: ref, out: reportOut{stdout: s.o.Stdout}}
	r.buf = bufio.NewWriterSize(&r.out, 64<<10)
	r.st, r.err = report.NewStream(r.buf, s.o.Format, report.Report{DryRun: s.o.DryRun, Verbose: s.o.Verbose})
	return r
}

// add takes a repository's items; it is called from several goroutines at once.
// A repository's items are scoped alone: what a tag takes with it (its
// manifests, signatures) is in its own repository.
func (r *sweepReport) add(items []plan.Item) {
	if r.ref != nil {
		items = sweep.InScope(items, *r.ref)
	}
	if len(items) == 0 {
		return
	}
	if r.st != nil {
		r.st.Add(items)
	}
	sum := report.Summarize(items, false) // deleted only when the deletion happened
	r.mu.Lock()
	r.tags.Deleted += sum.Deleted
	r.tags.Preserved += sum.Preserved
	r.tags.Failed += sum.Failed
	r.mu.Unlock()
}

// summary is the report's summary line's counts.
func (r *sweepReport) summary() report.Summary {
	if r.st == nil {
		return report.Summary{}
	}
	return r.st.Summary()
}

// discard drops the report of a sweep that failed before it.
func (r *sweepReport) discard() {
	if r.st != nil {
		r.st.Discard()
	}
}

// write writes the report to Stdout and, when file is not nil, to it too (the
// history's report file, committed later by history.addFile). A report that
// could not be written whole is not kept: file is discarded and nil returned. A
// failure of Stdout alone is returned with the file, which keeps the report.
func (r *sweepReport) write(file *atomicFile) (*atomicFile, error) {
	if r.err != nil {
		if file != nil {
			file.discard()
		}
		return nil, r.err
	}
	r.out.file = file
	err := r.st.Close()
	if err == nil {
		err = r.buf.Flush() // reportOut never fails: this cannot either
	}
	if err != nil {
		if file != nil {
			file.discard()
		}
		return nil, err
	}
	return file, r.out.stdoutErr
}

// reportOut is where a report goes: Stdout and the history's file. Neither's
// failure stops the other (as when the report was written whole to each); each
// keeps its first error: Stdout's for write, the file's for its commit.
type reportOut struct {
	stdout    io.Writer
	stdoutErr error
	file      *atomicFile // nil: reports are not kept
}

func (o *reportOut) Write(p []byte) (int, error) {
	if o.stdoutErr == nil {
		_, o.stdoutErr = o.stdout.Write(p)
	}
	if o.file != nil {
		_, _ = o.file.Write(p) // its failure waits for commit
	}
	return len(p), nil
}
