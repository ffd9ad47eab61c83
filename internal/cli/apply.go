package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
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
			file, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("%w: reading the plan: %w", errUsage, err)
			}
			defer file.Close()
			fr, err := plan.NewFileReader(file)
			if err != nil {
				return fmt.Errorf("%w: %s: %w", errUsage, args[0], err)
			}
			if h := fr.Head(); h.Registry != s.Host {
				return fmt.Errorf("%w: the plan is for registry %s, the configuration names %s", errUsage, h.Registry, s.Host)
			} else if age := e.now().Sub(h.CreatedAt); age > maxAge {
				return fmt.Errorf("%w: the plan is %s old, more than --max-age %s: make a new plan", errUsage, age.Round(time.Minute), maxAge)
			}
			st, err := report.NewStream(e.stdout, format, report.Report{Verbose: f.verbose})
			if err != nil {
				return err
			}
			s.Sink = st.Add // memory holds the repositories in flight, not the plan
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			saved, err := s.ReadPlan(ctx, fr)
			if err != nil {
				f.stopProgress()
				st.Discard()
				return fmt.Errorf("%w: %s: %w", errUsage, args[0], err)
			}
			defer saved.Close()
			if saved.OverLimit() == nil { // the journal opens only for a plan that will delete
				closeAudit, err := openAudit(s, f.audit, false)
				if err != nil {
					st.Discard()
					return err
				}
				defer closeAudit()
			}
			res, err := saved.Apply(ctx)
			f.stopProgress()
			*code, err = printStream(st, res, err)
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
