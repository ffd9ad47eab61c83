package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

func newPlanCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath, out string
	c := &cobra.Command{
		Use:   "plan --config FILE --out plan.json",
		Short: "Decide every tag and write the decisions with their evidence; delete nothing",
		Long: `Decide every tag and write the decisions with their evidence; delete nothing.

The plan file holds, for every tag, the rule that matched, the pull request and the
state the source gave (and when), the digest and the tags sharing it, and what goes
with each deleted tag. It has one item per line, in a stable order, so two plans can be
compared with diff. Review it, then carry it out with prsweep apply.`,
		Example: `  prsweep plan --config prsweep.yaml --out plan.json
  git diff --no-index yesterday.json plan.json
  prsweep apply plan.json --config prsweep.yaml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, format, err := setup(c, e, &f, configPath)
			if err != nil {
				return err
			}
			defer f.stopProgress()
			if out == "" {
				return fmt.Errorf("%w: --out FILE is required (- for stdout)", errUsage)
			}
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			if out == "-" { // the plan is the output: no report, the exit code says what it would
				var failed atomic.Int64
				s.Sink = func(items []plan.Item) { failed.Add(int64(report.Summarize(items, true).Failed)) }
				_, err := s.WritePlan(ctx, e.stdout)
				f.stopProgress()
				*code = planCode(int(failed.Load()), err)
				return err
			}
			st, err := report.NewStream(e.stdout, format, report.Report{DryRun: true, Verbose: f.verbose})
			if err != nil {
				return err
			}
			s.Sink = st.Add
			res, err := writePlanFile(out, func(w io.Writer) (sweep.Result, error) { return s.WritePlan(ctx, w) })
			f.stopProgress()
			*code, err = printStream(st, res, err)
			return err
		},
	}
	usageErrors(c)
	f.bind(c, false, "info")
	f.bindProgress(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&out, "out", "", "where to write the plan (- for stdout, instead of the report)")
	return c
}

// writePlanFile has write make the plan into a temporary file beside path and
// renames it to path once whole: a sweep that fails leaves the last plan there
// as it was, never a part of a new one.
func writePlanFile(path string, write func(io.Writer) (sweep.Result, error)) (sweep.Result, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return sweep.Result{}, fmt.Errorf("writing the plan: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	res, err := write(tmp)
	if cerr := tmp.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("writing the plan: %w", cerr)
	}
	if err != nil && !plan.IsLimit(err) {
		return res, err
	}
	if rerr := os.Rename(tmp.Name(), path); rerr != nil {
		return res, fmt.Errorf("writing the plan: %w", rerr)
	}
	return res, err
}

func planCode(failed int, err error) int {
	switch {
	case err != nil:
		return ExitSafety
	case failed > 0:
		return ExitFailed
	}
	return ExitOK
}

// setup does what every sweeping command does first: flags and environment, the
// logger, the configuration and the sweeper.
func setup(c *cobra.Command, e env, f *reportFlags, configPath string) (*sweep.Sweeper, report.Format, error) {
	_, s, _, format, err := setupAll(c, e, f, configPath)
	return s, format, err
}

// setupAll is setup for the commands that need the configuration and the logger too.
func setupAll(c *cobra.Command, e env, f *reportFlags, configPath string) (*config.Config, *sweep.Sweeper, *slog.Logger, report.Format, error) {
	if err := f.overlay(c, e); err != nil {
		return nil, nil, nil, "", err
	}
	format, err := report.ParseFormat(f.output)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("%w: --output: %w", errUsage, err)
	}
	log, err := newLogger(f.logWriter(e), f.level())
	if err != nil {
		return nil, nil, nil, "", err
	}
	path, err := configFlag(c, e, configPath)
	if err != nil {
		return nil, nil, nil, "", err
	}
	cfg, err := config.Load(path, e.lookup)
	if err != nil {
		return nil, nil, nil, "", err
	}
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	opts := e.sweepOptions(log)
	if f.debug {
		opts.Debug = f.logWriter(e)
	}
	s, err := sweep.New(cfg, opts)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("%w: %w", errUsage, err)
	}
	f.startProgress(s, log)
	return cfg, s, log, format, nil
}
