package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

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
			p, err := s.Plan(ctx)
			f.stopProgress()
			var limit *plan.LimitError
			if err != nil && !errors.As(err, &limit) {
				return err
			}
			if werr := writePlan(e, out, p); werr != nil {
				return werr
			}
			if out == "-" {
				*code = planCode(p.Items, err)
				return err
			}
			*code, err = printResult(e, format, f.verbose, sweep.Result{DryRun: true, Items: p.Items}, err)
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

func writePlan(e env, out string, p plan.Plan) error {
	var w io.Writer = e.stdout
	if out != "-" {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		defer f.Close()
		w = f
	}
	return plan.Write(w, p)
}

func planCode(items []plan.Item, err error) int {
	switch {
	case err != nil:
		return ExitSafety
	case report.Summarize(items, true).Failed > 0:
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
