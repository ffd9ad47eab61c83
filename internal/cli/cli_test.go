package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// result is one prsweep invocation's outcome.
type result struct {
	code           int
	stdout, stderr string
}

// invoke runs prsweep in-process with only the given environment.
func invoke(t *testing.T, vars map[string]string, opts sweep.Options, args ...string) result {
	t.Helper()
	return invokeCtx(t, context.Background(), vars, opts, args...)
}

// invokeCtx runs prsweep with a context the test may cancel, as a signal would.
func invokeCtx(t *testing.T, ctx context.Context, vars map[string]string, opts sweep.Options, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdout: &out, stderr: &errOut, sweep: opts, lookup: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}}
	code := run(ctx, args, e)
	return result{code, out.String(), errOut.String()}
}

// jsonReport decodes a --output json report.
func jsonReport(t *testing.T, r result) (items map[string]plan.Item, sum report.Summary) {
	t.Helper()
	var doc struct {
		Items   []plan.Item    `json:"items"`
		Summary report.Summary `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("decoding the JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	items = map[string]plan.Item{}
	for _, it := range doc.Items {
		items[it.Ref()] = it
	}
	return items, doc.Summary
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prsweep.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func registryClient(t *testing.T, host string) *oci.Client {
	t.Helper()
	c, err := oci.New(host, oci.Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
