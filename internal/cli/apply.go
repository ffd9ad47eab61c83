package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/sweep"
)

func newApplyCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath string
	var maxAge time.Duration
	c := &cobra.Command{
		Use:   "apply plan.json --config FILE",
		Short: "Carry out a saved plan, re-checking each deletion first",
		Long: `Carry out a saved plan, re-checking each deletion first.

Before deleting, apply reads each pull request's state again and decides it under the
configuration's current rules, and reads each tag's digest again: a pull request
reopened, a tag pushed again, or a manifest that a tag now uses since the plan is kept
and reported. A plan older than --max-age is refused.`,
		Example: `  prsweep plan --config prsweep.yaml --out plan.json
  prsweep apply plan.json --config prsweep.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, format, err := setup(c, e, &f, configPath)
			if err != nil {
				return err
			}
			defer f.stopProgress()
			p, err := readPlan(args[0])
			if err != nil {
				return err
			}
			if p.Registry != s.Host {
				return fmt.Errorf("%w: the plan is for registry %s, the configuration names %s", errUsage, p.Registry, s.Host)
			}
			if age := e.now().Sub(p.CreatedAt); age > maxAge {
				return fmt.Errorf("%w: the plan is %s old, more than --max-age %s: make a new plan", errUsage, age.Round(time.Minute), maxAge)
			}
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			s.Redecide(ctx, p.Items)
			if err := plan.Enforce(p.Items, s.Limits); err != nil {
				f.stopProgress()
				*code, err = printResult(e, format, f.verbose, sweep.Result{Items: p.Items}, err)
				return err
			}
			closeAudit, err := openAudit(s, f.audit, false)
			if err != nil {
				return err
			}
			defer closeAudit()
			f.planned(plan.Deletions(p.Items))
			s.Apply(ctx, p.Items)
			f.stopProgress()
			*code, err = printResult(e, format, f.verbose, sweep.Result{Items: p.Items}, nil)
			return err
		},
	}
	usageErrors(c)
	f.bind(c, false, "info")
	f.bindProgress(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file: credentials, sources and current rules (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&f.audit, "audit", "", "append a journal of every deletion to this file (overrides the config's audit)")
	c.Flags().DurationVar(&maxAge, "max-age", 24*time.Hour, "refuse a plan older than this")
	return c
}

func readPlan(path string) (plan.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("%w: reading the plan: %w", errUsage, err)
	}
	defer f.Close()
	p, err := plan.Read(f)
	if err != nil {
		return p, fmt.Errorf("%w: %s: %w", errUsage, path, err)
	}
	return p, nil
}
