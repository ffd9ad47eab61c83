package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/report"
)

func newExplainCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath string
	c := &cobra.Command{
		Use:   "explain --config FILE REPOSITORY:TAG...",
		Short: "Say step by step why a tag would be kept or deleted; change nothing",
		Long: `Say step by step why a tag would be kept or deleted; change nothing.

explain plans the tag's repository as run --dry-run would (reading the pull request's
state from the source) and shows each step: the keep patterns, the rule that matched,
what the source said, the digest and the tags sharing it, how the tag would be removed
and what would go with it, and any safety limit.`,
		Example: `  prsweep explain --config prsweep.yaml jarvis:PR3571-test
  prsweep explain --config prsweep.yaml jarvis:PR3574-test jarvis:5.32.0-develop`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, _, err := setup(c, e, &f, configPath)
			if err != nil {
				return err
			}
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			for i, image := range args {
				ex, err := s.Explain(ctx, image)
				if err != nil {
					return fmt.Errorf("explaining %s: %w", image, err)
				}
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				if err := report.WriteExplanation(e.stdout, ex); err != nil {
					return err
				}
				if ex.Item != nil && ex.Item.Failed() {
					*code = ExitFailed
				}
			}
			return nil
		},
	}
	usageErrors(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&f.logLevel, "log-level", "warn", "stderr log level: debug, info, warn or error")
	f.output = "text"
	return c
}
