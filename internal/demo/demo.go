// Package demo runs a whole sweep with nothing to set up: the real CNCF
// distribution registry in-process, seeded with the image set of the original
// cleanup script, and a static source that says which pull requests are closed.
// It goes through the same configuration, sweep and report code as `prsweep run`.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// configTemplate is the demo's configuration; %s is the embedded registry's host.
const configTemplate = `registry:
  type: oci
  url: http://%s
sources:
  - name: prs
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open, "3589": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
    delete: [merged, closed]
keep: ['^latest$']
`

// Demo is a running demo registry.
type Demo struct {
	server *registrytest.Server
	Config string // the configuration the sweep uses, as YAML
}

// Start starts and seeds the embedded registry.
func Start(ctx context.Context, log *slog.Logger) (*Demo, error) {
	srv, err := registrytest.NewV3(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded registry: %w", err)
	}
	if _, err := srv.Seed(ctx, registrytest.ClassicSet()); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("seeding the embedded registry: %w", err)
	}
	log.Info("embedded registry seeded", "url", srv.URL(), "tags", len(registrytest.ClassicSet()))
	return &Demo{server: srv, Config: fmt.Sprintf(configTemplate, srv.Host())}, nil
}

// Close stops the registry.
func (d *Demo) Close() error { return d.server.Close() }

// Sweep runs one sweep over HTTP against the embedded registry.
func (d *Demo) Sweep(ctx context.Context, dryRun bool, o sweep.Options) (sweep.Result, error) {
	cfg, err := config.Parse([]byte(d.Config), ".", func(string) (string, bool) { return "", false })
	if err != nil {
		return sweep.Result{}, fmt.Errorf("parsing the demo configuration: %w", err)
	}
	s, err := sweep.New(cfg, o)
	if err != nil {
		return sweep.Result{}, err
	}
	return s.Run(ctx, dryRun)
}

// Explain writes what the demo did and how to point prsweep at a real registry.
func (d *Demo) Explain(w io.Writer) {
	fmt.Fprintf(w, `
The demo swept the real CNCF distribution registry, embedded in this process and seeded
with the classic PR image set. PRs 3571 and 3574 are merged/closed; 3561, 3565, 3589 are
open. jarvis:PR3574-test is the same image as jarvis:5.32.0-develop: only the PR tag went.

This was its configuration:

%s
To sweep your own registry, write a prsweep.yaml like it, with your registry's url and a
real source, for example Azure DevOps:

  sources:
    - name: ado
      type: azuredevops
      url: https://dev.azure.com/YOUR-ORG
      project: YOUR-PROJECT
      token: ${SYSTEM_ACCESSTOKEN}

then look before you leap:

  prsweep validate --config prsweep.yaml
  prsweep run --config prsweep.yaml --dry-run --verbose
`, indent(d.Config))
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
