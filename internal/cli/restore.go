package cli

import (
	"cmp"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/restore"
)

func newRestoreCmd(e env, code *int) *cobra.Command {
	var f reportFlags
	var configPath, auditPath string
	var tags []string
	c := &cobra.Command{
		Use:   "restore --config FILE --audit FILE [--tag REPOSITORY:TAG]...",
		Short: "Put back tags a sweep deleted, from its audit log",
		Long: `Put back tags a sweep deleted, from its audit log.

Each tag is pointed again at the manifest it had. Where the registry still has that
manifest (a tag deleted alone, or untagged) it is re-tagged; where only its layers remain
(a manifest deleted by digest, before the registry's garbage collection) the manifest
recorded in the audit log is uploaded again. Manifests removed with a tag (an index's
children, signatures) come back with it. A tag that exists again is never moved.`,
		Example: `  prsweep restore --config prsweep.yaml --audit prsweep-audit.jsonl --tag jarvis:PR3571-test
  prsweep restore --config prsweep.yaml --audit prsweep-audit.jsonl   # everything in the log`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, _, err := setup(c, e, &f, configPath)
			if err != nil {
				return err
			}
			if auditPath = cmp.Or(auditPath, s.AuditPath); auditPath == "" {
				return fmt.Errorf("%w: --audit FILE is required", errUsage)
			}
			records, err := readAudit(auditPath, s.Host)
			if err != nil {
				return err
			}
			reg, ok := s.Registry.(restore.Registry)
			if !ok {
				return fmt.Errorf("%w: this registry type cannot restore manifests", registry.ErrUnsupported)
			}
			selected := restore.Select(restore.Deleted(records), tags)
			if len(selected) == 0 {
				return fmt.Errorf("%w: the audit log has no deletion of %v", errUsage, tags)
			}
			ctx, cancel := s.Context(c.Context())
			defer cancel()
			for _, o := range restore.Restore(ctx, reg, selected) {
				mark := "restored "
				if !o.Restored {
					mark, *code = "FAILED   ", ExitFailed
				}
				fmt.Fprintf(e.stdout, "%s%s: %s\n", mark, o.Ref, o.Detail)
			}
			return nil
		},
	}
	usageErrors(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "configuration file: the registry and its credentials (env PRSWEEP_CONFIG)")
	c.Flags().StringVar(&auditPath, "audit", "", "the audit log the sweep wrote (default: the config's audit)")
	c.Flags().StringArrayVar(&tags, "tag", nil, "restore only this repository:tag (repeatable)")
	c.Flags().StringVar(&f.logLevel, "log-level", "warn", "stderr log level: debug, info, warn or error")
	f.output = "text"
	return c
}

func readAudit(path, host string) ([]audit.Record, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	defer fh.Close()
	records, err := audit.Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errUsage, path, err)
	}
	for _, r := range records {
		if r.Registry != host {
			return nil, fmt.Errorf("%w: %s records deletions in %s, the configuration names %s", errUsage, path, r.Registry, host)
		}
	}
	return records, nil
}
