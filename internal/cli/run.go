package cli

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// reportFlags are the flags of every command that prints a sweep's report.
type reportFlags struct {
	dryRun, verbose bool
	output          string
	logLevel        string
	audit           string
	debug           bool
	liveFlags
}

func (f *reportFlags) bind(c *cobra.Command, withDryRun bool, logLevel string) {
	if withDryRun {
		c.Flags().BoolVar(&f.dryRun, "dry-run", false, "decide and report, delete nothing (env PRSWEEP_DRY_RUN)")
	}
	c.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "give each tag's reason (env PRSWEEP_VERBOSE)")
	c.Flags().StringVarP(&f.output, "output", "o", "text", "report format: text, json or markdown (env PRSWEEP_OUTPUT)")
	c.Flags().StringVar(&f.logLevel, "log-level", logLevel, "stderr log level: debug, info, warn or error (env PRSWEEP_LOG_LEVEL)")
	c.Flags().BoolVar(&f.debug, "debug", false, "dump every HTTP request and response to stderr (secrets redacted)")
}

// overlay fills flags the user did not set from PRSWEEP_* variables.
func (f *reportFlags) overlay(c *cobra.Command, e env) error {
	for flag, target := range map[string]*bool{"dry-run": &f.dryRun, "verbose": &f.verbose, "quiet": &f.quiet} {
		if c.Flags().Lookup(flag) == nil || c.Flags().Changed(flag) {
			continue
		}
		if v, ok, err := envBool(e, envName(flag)); err != nil {
			return err
		} else if ok {
			*target = v
		}
	}
	for flag, target := range map[string]*string{"output": &f.output, "log-level": &f.logLevel} {
		if v, ok := e.lookup(envName(flag)); ok && v != "" && !c.Flags().Changed(flag) {
			*target = v
		}
	}
	return nil
}

func newRunCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath string
	c := &cobra.Command{
		Use:   "run --config FILE",
		Short: "Sweep once: list tags, read pull-request states, delete the tags of merged and closed pull requests, report",
		Example: `  # see what would go, with each tag's reason
  prsweep run --config prsweep.yaml --dry-run --verbose

  # the nightly job, with a summary for the pipeline
  SYSTEM_ACCESSTOKEN=... prsweep run --config prsweep.yaml --output markdown`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, format, err := setup(c, e, &f, configPath)
			if err != nil {
				return err
			}
			defer f.stopProgress()
			closeAudit, err := openAudit(s, f.audit, f.dryRun)
			if err != nil {
				return err
			}
			defer closeAudit()
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			st, err := report.NewStream(e.stdout, format, report.Report{DryRun: f.dryRun, Verbose: f.verbose})
			if err != nil {
				return err
			}
			s.Sink = st.Add // the report streams: memory holds the repositories in flight, not every tag
			res, err := s.Run(ctx, f.dryRun)
			f.stopProgress()
			*code, err = printStream(st, res, err)
			return err
		},
	}
	usageErrors(c)
	f.bind(c, true, "info")
	f.bindProgress(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&f.audit, "audit", "", "append a journal of every deletion to this file (overrides the config's audit)")
	return c
}

// openAudit opens the journal named by --audit or the configuration, for a sweep
// that deletes; the returned func closes it.
func openAudit(s *sweep.Sweeper, flag string, dryRun bool) (func(), error) {
	path := cmp.Or(flag, s.AuditPath)
	if path == "" || dryRun {
		return func() {}, nil
	}
	log, err := audit.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	s.Audit = log
	return func() { _ = log.Close() }, nil
}

// configFlag returns --config, or PRSWEEP_CONFIG, or a usage error.
func configFlag(c *cobra.Command, e env, path string) (string, error) {
	if path == "" {
		path, _ = e.lookup("PRSWEEP_CONFIG")
	}
	if path == "" {
		return "", fmt.Errorf("%w: --config FILE is required\n\n%s", errUsage, c.UsageString())
	}
	return path, nil
}

// printResult writes the report of a sweep that got as far as a plan and returns
// the exit code. A limit error still prints the report (every tag kept, with why).
func printResult(e env, format report.Format, verbose bool, res sweep.Result, err error) (int, error) {
	st, serr := report.NewStream(e.stdout, format, report.Report{DryRun: res.DryRun, Verbose: verbose})
	if serr != nil {
		return ExitFailed, serr
	}
	return printStream(st, res, err)
}

// printStream is printResult for a report that the sweep streamed into st:
// res.Items, if any, are added to it.
func printStream(st *report.Stream, res sweep.Result, err error) (int, error) {
	var limit *plan.LimitError
	if err != nil && !errors.As(err, &limit) && !errors.Is(err, sweep.ErrPartial) {
		st.Discard()
		return ExitFailed, err
	}
	st.Add(res.Items)
	if werr := st.Close(); werr != nil {
		return ExitFailed, fmt.Errorf("writing the report: %w", werr)
	}
	if limit != nil {
		return ExitSafety, err
	}
	if err != nil { // stopped part-way: what was done is reported above
		return ExitFailed, err
	}
	if st.Summary().Failed > 0 {
		return ExitFailed, nil
	}
	return ExitOK, nil
}

func envName(flag string) string {
	out := []byte("PRSWEEP_")
	for _, r := range []byte(flag) {
		switch {
		case r == '-':
			out = append(out, '_')
		case r >= 'a' && r <= 'z':
			out = append(out, r-'a'+'A')
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
