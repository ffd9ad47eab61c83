package cli

import (
	"cmp"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/server"
)

func newServeCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath, listen string
	c := &cobra.Command{
		Use:   "serve --config FILE [--listen ADDR]",
		Short: "Run as a service: scheduled sweeps, pull-request-closed webhooks, /metrics and /healthz",
		Long: `Run as a service: scheduled sweeps, pull-request-closed webhooks, /metrics and /healthz.

The configuration's serve section says what to do (every key is optional, but a
schedule or a webhook is needed):

  serve:
    listen: ":8080"                  # --listen and PRSWEEP_LISTEN override it
    schedule: "0 23 * * *"           # cron (5 fields, CRON_TZ=Europe/Paris first if need be) or @every 6h
    queue: 16                        # webhook sweeps that may wait
    history: /var/lib/prsweep        # the status page's sweeps and reports, kept across restarts
    historyLimit: 100                # sweeps kept, the oldest pruned
    webhooks:
      azuredevops:                   # POST /webhooks/azuredevops; Basic or a secret header, never open
        username: prsweep
        password: ${ADO_HOOK_PASSWORD}

A scheduled sweep is "prsweep run". A webhook (service hook "Pull request updated")
for a completed or abandoned pull request queues a sweep of that pull request's
tags alone, which reads the state from the source again: the payload is a hint.
Each sweep's report goes to stdout; events go to stderr. GET / is a status page of
the last sweeps, each linking to its report. SIGINT or SIGTERM stops
it: the running sweep starts no new deletion, queued ones are logged and dropped.`,
		Example: `  ADO_HOOK_PASSWORD=... SYSTEM_ACCESSTOKEN=... prsweep serve --config prsweep.yaml
  curl -s localhost:8080/metrics | grep prsweep_`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, s, log, format, err := setupAll(c, e, &f, configPath)
			if err != nil {
				return err
			}
			addr := cmp.Or(listen, envValue(e, "PRSWEEP_LISTEN"), cfg.Serve.ListenAddr())
			if err := config.CheckListen(addr); err != nil {
				return fmt.Errorf("%w: --listen %q: %w", errUsage, addr, err)
			}
			closeAudit, err := openAudit(s, f.audit, f.dryRun)
			if err != nil {
				return err
			}
			defer closeAudit()
			srv, err := server.New(cfg, s, server.Options{
				DryRun: f.dryRun, Format: format, Verbose: f.verbose,
				Stdout: e.stdout, Logger: log, Now: e.sweep.Now,
			})
			if err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			if err := srv.Run(c.Context(), ln); err != nil {
				*code = ExitFailed
				return err
			}
			return nil
		},
	}
	usageErrors(c)
	f.bind(c, true, "info")
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port (env PRSWEEP_LISTEN; default serve.listen, else :8080)")
	c.Flags().StringVar(&f.audit, "audit", "", "append a journal of every deletion to this file (overrides the config's audit)")
	return c
}

func envValue(e env, name string) string {
	v, _ := e.lookup(name)
	return v
}
