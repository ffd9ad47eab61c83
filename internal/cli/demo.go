package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/demo"
	"github.com/prsweep/prsweep/internal/report"
)

func newDemoCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	c := &cobra.Command{
		Use:   "demo",
		Short: "Sweep an embedded registry seeded with PR images: nothing to set up",
		Example: `  prsweep demo
  prsweep demo --dry-run --verbose
  prsweep demo --output json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.overlay(c, e); err != nil {
				return err
			}
			format, err := report.ParseFormat(f.output)
			if err != nil {
				return fmt.Errorf("%w: --output: %w", errUsage, err)
			}
			log, err := newLogger(e.stderr, f.logLevel)
			if err != nil {
				return err
			}
			d, err := demo.Start(c.Context(), log)
			if err != nil {
				return err
			}
			defer d.Close()
			opts := e.sweepOptions(log)
			if f.debug {
				opts.Debug = e.stderr
			}
			res, err := d.Sweep(c.Context(), f.dryRun, opts)
			if *code, err = printResult(e, format, f.verbose, res, err); err != nil {
				return err
			}
			d.Explain(e.stderr)
			return nil
		},
	}
	usageErrors(c)
	f.bind(c, true, "warn")
	return c
}
