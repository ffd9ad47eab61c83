package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

func newValidateCmd(e env, code *int) *cobra.Command {
	var configPath, logLevel string
	c := &cobra.Command{
		Use:   "validate --config FILE",
		Short: "Check a configuration and the credentials it names; change nothing",
		Long: `Check a configuration and the credentials it names; change nothing.

The registry is listed, and asked how it deletes by a DELETE of a tag that cannot
exist (prsweep-probe-<random>): that answers 404, 400 or 405 and removes nothing.
Each source is asked for pull request 1: a state or "no such pull request" both
prove the credentials work.`,
		Example: `  prsweep validate --config prsweep.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			log, err := newLogger(e.stderr, logLevel)
			if err != nil {
				return err
			}
			path, err := configFlag(c, e, configPath)
			if err != nil {
				return err
			}
			cfg, err := config.Load(path, e.lookup)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "ok      configuration %s: %d rules, %d sources\n", path, len(cfg.Rules), len(cfg.Sources))
			for _, w := range cfg.Warnings() {
				fmt.Fprintf(e.stdout, "warning %s\n", w)
			}
			s, err := sweep.New(cfg, e.sweepOptions(log))
			if err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			for _, ch := range s.Validate(ctx) {
				if ch.Err == nil {
					fmt.Fprintf(e.stdout, "ok      %s: %s\n", ch.Name, ch.Detail)
					continue
				}
				fmt.Fprintf(e.stdout, "FAILED  %s: %v\n", ch.Name, ch.Err)
				switch {
				case errors.Is(ch.Err, registry.ErrUnauthorized), errors.Is(ch.Err, scm.ErrUnauthorized):
					*code = ExitUsage
				case *code == ExitOK:
					*code = ExitFailed
				}
			}
			return nil
		},
	}
	usageErrors(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&logLevel, "log-level", "warn", "stderr log level: debug, info, warn or error")
	return c
}
