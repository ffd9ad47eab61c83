package cli

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/progress"
	"github.com/prsweep/prsweep/internal/sweep"
)

// liveFlags are --quiet and the live progress line of run, plan and apply.
type liveFlags struct {
	quiet    bool
	progress bool               // the command shows progress (bindProgress ran)
	renderer *progress.Renderer // the live line; nil when stderr is no terminal, or --quiet
	counters *progress.Counters // what the line shows
	limiter  *httpx.Limiter     // the sweep's request budget, whose counters the line shows
}

// bindProgress gives a sweeping command --quiet and progress on stderr: a live
// line on a terminal, one log line per repository otherwise.
func (f *reportFlags) bindProgress(c *cobra.Command) {
	f.progress = true
	c.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "no progress and no info logs; warnings and errors still print (env PRSWEEP_QUIET)")
}

// terminal reports whether w is a terminal, and its width in columns (0 unknown).
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return true, 0
	}
	return true, width
}

// logWriter returns where the command's logs go: stderr, or through the live line
// when stderr is a terminal (the line is made here, drawn by startProgress).
func (f *reportFlags) logWriter(e env) io.Writer {
	switch {
	case f.renderer != nil:
		return f.renderer.Writer()
	case !f.progress || f.quiet:
		return e.stderr
	}
	isTerm := e.terminal
	if isTerm == nil {
		isTerm = terminal
	}
	if ok, _ := isTerm(e.stderr); !ok {
		return e.stderr
	}
	f.counters = &progress.Counters{}
	f.renderer = progress.NewRenderer(e.stderr, f.counters, progress.Options{
		Now:   e.sweep.Now,
		Width: func() int { _, w := isTerm(e.stderr); return w }, // asked at each draw: the window may change
		Requests: func() (int64, int64) {
			st := f.limiter.Stats()
			return st.Total(), st.TooMany()
		},
	})
	return f.renderer.Writer()
}

// level is the log level: --quiet raises it to warn.
func (f *reportFlags) level() string {
	if f.quiet {
		var l slog.Level
		if l.UnmarshalText([]byte(f.logLevel)) == nil && l < slog.LevelWarn {
			return "warn"
		}
	}
	return f.logLevel
}

// startProgress tells s's progress to the live line, or to log when there is none,
// and starts drawing the line.
func (f *reportFlags) startProgress(s *sweep.Sweeper, log *slog.Logger) {
	switch {
	case !f.progress || f.quiet:
	case f.renderer == nil:
		s.Progress = progress.Log{Logger: log}
	default:
		f.limiter = s.Limiter
		s.Progress = f.counters
		f.renderer.Start()
	}
}

// stopProgress erases the live line, before the report or an error is printed.
func (f *reportFlags) stopProgress() {
	if f.renderer != nil {
		f.renderer.Stop()
	}
}
