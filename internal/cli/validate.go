package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
prove the credentials work. Where a rule deletes missing, an Azure DevOps source's
identity must read every repository of the project (each is listed, then asked
for one pull request): Azure DevOps answers "no such pull request" also for one in
a repository the identity cannot read. One it cannot read fails with exit code 2.`,
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
			for _, ch := range append(s.Validate(ctx), missingChecks(ctx, cfg, s.Providers)...) {
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

// repositoryChecker is a source that can tell whether its identity reads every
// repository it lists (azuredevops): where it cannot, "no such pull request" is no proof.
type repositoryChecker interface {
	CheckRepositories(ctx context.Context) (int, error)
}

// missingChecks checks each source a rule deletes missing with. A static source's
// states are written down; any other must show that its "not found" is proof.
func missingChecks(ctx context.Context, cfg *config.Config, providers map[string]scm.Provider) []sweep.Check {
	var out []sweep.Check
	for _, src := range cfg.Sources {
		rules := cfg.MissingRules(src.Name)
		if len(rules) == 0 || src.Type == "static" {
			continue
		}
		nums := make([]string, len(rules))
		for i, n := range rules {
			nums[i] = strconv.Itoa(n)
		}
		who := "rule " + strings.Join(nums, ", ") + " deletes"
		if len(rules) > 1 {
			who = "rules " + strings.Join(nums, ", ") + " delete"
		}
		c := sweep.Check{Name: "source " + src.Name + " (missing)"}
		rc, ok := providers[src.Name].(repositoryChecker)
		if !ok {
			c.Err = fmt.Errorf("%s missing, and prsweep cannot check that this source's \"not found\" is proof: %w", who, scm.ErrUnexpected)
			out = append(out, c)
			continue
		}
		n, err := rc.CheckRepositories(ctx)
		if err != nil {
			c.Err = fmt.Errorf("%w. %s missing, but Azure DevOps answers \"no such pull request\" also for one in a "+
				"repository the identity cannot read, so a tag of a live pull request could go: grant it Code (Read) on "+
				"every repository of the project, or take missing out of delete", err, who)
		} else {
			c.Detail = fmt.Sprintf("%s missing; the identity reads all %d repositories it lists", who, n)
		}
		out = append(out, c)
	}
	return out
}
