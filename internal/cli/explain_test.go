package cli

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestExplainGolden(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	cfg := writeConfig(t, `registry:
  url: http://`+srv.Host()+`
  repositories: ["jarvis*"]
sources:
  - name: prs
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open}
rules:
  - repositories: ["team/*"]
    tags: '^pr-(?P<pr>\d+)$'
    source: prs
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
    delete: [merged, closed]
keep: ['^latest$', '-keep$']
`)
	at := func() time.Time { return time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC) }
	r := invoke(t, nil, sweep.Options{Now: at}, "explain", "--config", cfg,
		"jarvis:PR3571-test", "jarvis:PR3574-test", "jarvis:5.32.0-develop", "jarvis:PR3589-test", "jarvis_base:latest", "jarvis:nope")
	if r.code != ExitFailed { // PR 3589 is not in the static source: unknown
		t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	golden := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), r.stdout); diff != "" {
		t.Errorf("explain (-golden +got):\n%s", diff)
	}
}
