package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/sweep"
)

// Exit codes (SPEC.md).
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
	ExitSafety = 3
)

// env is the process environment, injected so tests need not touch the real one.
type env struct {
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
	sweep          sweep.Options // what tests inject (sleep, clock); Logger is set per command
	// terminal reports whether stderr is a terminal, and its width (default: asks
	// the file; tests pretend).
	terminal func(io.Writer) (bool, int)
}

func (e env) now() time.Time {
	if e.sweep.Now != nil {
		return e.sweep.Now()
	}
	return time.Now()
}

// Main runs prsweep with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, env{stdout: stdout, stderr: stderr, lookup: os.LookupEnv})
}

func run(ctx context.Context, args []string, e env) int {
	code := ExitOK
	started := false // a command's RunE began: errors before that are usage errors
	root := &cobra.Command{
		Use:           "prsweep",
		Short:         "Delete container images built for pull requests once the pull request is merged or closed",
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(*cobra.Command, []string) {
			started = true
		},
	}
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetContext(ctx)
	root.AddCommand(newRunCmd(e, &code), newPlanCmd(e, &code), newApplyCmd(e, &code), newExplainCmd(e, &code), newRestoreCmd(e, &code), newValidateCmd(e, &code), newServeCmd(e, &code), newDemoCmd(e, &code), newVersionCmd(e))
	if err := root.Execute(); err != nil {
		fmt.Fprintf(e.stderr, "prsweep: %v\n", err)
		if !started {
			return ExitUsage
		}
		return exitCode(err)
	}
	return code
}

// exitCode maps an error that ended a command onto SPEC.md's exit codes.
func exitCode(err error) int {
	var le *plan.LimitError
	switch {
	case errors.As(err, &le):
		return ExitSafety
	case errors.Is(err, config.ErrInvalid), errors.Is(err, sweep.ErrCredentials), errors.Is(err, errUsage):
		return ExitUsage
	}
	return ExitFailed
}

var errUsage = errors.New("usage")

// usageErrors makes cobra's flag errors exit 2.
func usageErrors(c *cobra.Command) {
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %w", errUsage, err)
	})
}

// envBool reads a PRSWEEP_* boolean; a malformed value is a usage error.
func envBool(e env, name string) (bool, bool, error) {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, false, fmt.Errorf("%w: %s=%q is not true or false", errUsage, name, v)
	}
	return b, true, nil
}

// newLogger writes events to stderr at the level the user chose.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func (e env) sweepOptions(log *slog.Logger) sweep.Options {
	o := e.sweep
	o.Logger = log
	return o
}
