package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// invokeTerminal runs prsweep with stderr pretending to be a terminal (or not).
func invokeTerminal(t *testing.T, isTerminal bool, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdout: &out, stderr: &errOut, lookup: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}, terminal: func(io.Writer) (bool, int) { return isTerminal, 200 }}
	code := run(context.Background(), args, e)
	return result{code, out.String(), errOut.String()}
}

func progressConfig(t *testing.T) string {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	return writeConfig(t, `registry:
  url: http://`+srv.Host()+`
sources:
  - name: prs
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open, "3589": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
`)
}

const controls = "\r\x1b"

func TestProgressOnATerminal(t *testing.T) {
	for _, cmd := range [][]string{{"run", "--dry-run"}, {"plan", "--out", "-"}, {"run"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			r := invokeTerminal(t, true, nil, append(cmd, "--config", progressConfig(t))...)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			// The line is drawn at once, erased before each log line, and erased at
			// the end, before the report.
			if !strings.HasPrefix(r.stderr, "\rrepositories 0/0 listed, 0 tags decided, 0 PRs read, deletions 0/0, 0 requests (0 429), 0s\x1b[K") {
				t.Errorf("stderr does not start with the live line:\n%q", r.stderr)
			}
			if !strings.Contains(r.stderr, "\r\x1b[Ktime=") || !strings.Contains(r.stderr, `msg="repositories selected"`) {
				t.Errorf("log lines do not erase the live line first:\n%q", r.stderr)
			}
			if !strings.HasSuffix(r.stderr, "\r\x1b[K") && !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("the live line is left on the screen:\n%q", r.stderr)
			}
			if strings.HasSuffix(r.stderr, "\x1b[K") && !strings.HasSuffix(r.stderr, "\r\x1b[K") {
				t.Errorf("the live line is left on the screen:\n%q", r.stderr)
			}
			if strings.ContainsAny(r.stdout, controls) {
				t.Errorf("the report has control characters:\n%q", r.stdout)
			}
		})
	}
}

func TestProgressElsewhereIsPlainLogLines(t *testing.T) {
	r := invokeTerminal(t, false, nil, "run", "--config", progressConfig(t))
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stderr, controls) {
		t.Errorf("stderr has control characters:\n%q", r.stderr)
	}
	if !strings.Contains(r.stderr, `msg="repository swept" repository=jarvis deleted=4 planned=4`) {
		t.Errorf("no summary line for the repository:\n%s", r.stderr)
	}
}

func TestQuiet(t *testing.T) {
	for name, c := range map[string]struct {
		vars map[string]string
		args []string
	}{
		"flag": {args: []string{"--quiet"}},
		"-q":   {args: []string{"-q"}},
		"env":  {vars: map[string]string{"PRSWEEP_QUIET": "true"}},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"run", "--config", progressConfig(t)}, c.args...)
			r := invokeTerminal(t, true, c.vars, args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("--quiet printed on stderr:\n%q", r.stderr)
			}
			if !strings.Contains(r.stdout, "jarvis:PR3571-test") {
				t.Errorf("the report is missing:\n%s", r.stdout)
			}
		})
	}
	// Warnings and errors still print.
	srv := registrytest.StartV3(t)
	r := invokeTerminal(t, true, nil, "run", "--quiet", "--config", writeConfig(t, `registry:
  url: http://`+srv.Host()+`
  insecure: true
sources:
  - name: prs
    type: static
    states: {"1": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
`))
	if r.code != ExitOK || !strings.Contains(r.stderr, "level=WARN") || strings.Contains(r.stderr, "level=INFO") || strings.ContainsAny(r.stderr, controls) {
		t.Errorf("--quiet: exit %d, want warnings only on stderr, got:\n%s", r.code, r.stderr)
	}
	r = invokeTerminal(t, true, nil, "run", "--quiet", "--config", progressConfig(t), "--output", "yaml")
	if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "prsweep: ") {
		t.Errorf("--quiet: exit %d, want the usage error on stderr, got:\n%s", r.code, r.stderr)
	}
}
