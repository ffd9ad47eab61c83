package cli

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const hookPassword = "hook-3f9c2a71d8e04b6f95c1" // fake

func serveConfig(registryHost, adoURL, serve string) string {
	return adoConfig(registryHost, adoURL, "[merged, closed]") + "audit: audit.jsonl\nserve:\n" + serve
}

// `prsweep serve` takes a webhook, sweeps that pull request's tags through the
// same plan, apply and audit log as `run`, and exits 0 on a signal.
func TestServeWebhook(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	ado.SetPR(3571, "completed", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	ado.SetPR(3574, "abandoned", time.Time{})
	cfg := writeConfig(t, serveConfig(srv.Host(), ado.URL(), `  webhooks:
    azuredevops:
      username: prsweep
      password: ${HOOK_PASSWORD}
`))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out bytes.Buffer
	errOut := newLogWatch()
	e := env{stdout: &out, stderr: errOut, lookup: func(k string) (string, bool) {
		v, ok := map[string]string{"SYSTEM_ACCESSTOKEN": adoToken, "HOOK_PASSWORD": hookPassword}[k]
		return v, ok
	}}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--output", "json"}, e)
	}()
	addr := errOut.await(t, `msg=serving addr=(\S+)`)

	body := `{"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "eventType": "git.pullrequest.updated",
		"resource": {"pullRequestId": 3571, "status": "completed", "repository": {"project": {"name": "Jarvis"}}}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/azuredevops", strings.NewReader(body))
	req.SetBasicAuth("prsweep", hookPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %d, want 202", resp.StatusCode)
	}
	errOut.await(t, `msg="sweep finished" trigger=webhook pr=ado#3571 outcome=ok dryRun=false deleted=2 preserved=0 failed=0`)
	stop() // as SIGTERM would
	if code := <-exited; code != ExitOK {
		t.Errorf("exit code %d, want 0\nstderr:\n%s", code, errOut)
	}

	items, sum := jsonReport(t, result{stdout: out.String(), stderr: errOut.String()})
	if sum.Deleted != 2 || len(items) != 2 || !items["jarvis:PR3571-test"].Done || !items["jarvis:PR3571-test-arm"].Done {
		t.Errorf("report %+v %+v", sum, items)
	}
	left := remaining(t, srv.Host())
	for _, img := range registrytest.ClassicSet() {
		if gone := !slices.Contains(left, img.Ref()); gone != strings.HasPrefix(img.Ref(), "jarvis:PR3571-") {
			t.Errorf("%s gone = %v", img.Ref(), gone)
		}
	}
	var journaled []string
	for _, rec := range readRecords(t, filepath.Join(filepath.Dir(cfg), "audit.jsonl")) {
		if rec.Event == audit.EventDeleted {
			journaled = append(journaled, rec.Repository+":"+rec.Tag)
		}
	}
	slices.Sort(journaled)
	if want := []string{"jarvis:PR3571-test", "jarvis:PR3571-test-arm"}; !slices.Equal(journaled, want) {
		t.Errorf("audit log has %v deleted, want %v", journaled, want)
	}
	if ado.Requests(3571) != 1 || ado.Requests(3574) != 0 {
		t.Errorf("PR 3571 read %d times, 3574 %d: want 1 and 0", ado.Requests(3571), ado.Requests(3574))
	}
	if s := out.String() + errOut.String(); strings.Contains(s, hookPassword) || strings.Contains(s, adoToken) {
		t.Error("a secret appears in the output")
	}
}

// A configuration that would open an endpoint without a secret, or give serve
// nothing to do, stops before listening, with exit code 2.
func TestServeRefuses(t *testing.T) {
	tests := []struct {
		name, serve string
		vars        map[string]string
		args        []string
		want        string
	}{
		{"no credentials", "  webhooks:\n    azuredevops: {}\n", nil, nil,
			"serve.webhooks.azuredevops: no credentials"},
		{"username alone", "  webhooks:\n    azuredevops:\n      username: prsweep\n", nil, nil,
			"serve.webhooks.azuredevops.password: required"},
		{"empty secret", "  webhooks:\n    azuredevops:\n      header: X-Prsweep-Token\n      secret: ${HOOK_SECRET}\n",
			map[string]string{"HOOK_SECRET": ""}, nil, "serve.webhooks.azuredevops.secret: required, but the value of ${HOOK_SECRET} is empty"},
		{"unset secret", "  webhooks:\n    azuredevops:\n      header: X-Prsweep-Token\n      secret: ${HOOK_SECRET}\n",
			nil, nil, "environment variable HOOK_SECRET is not set"},
		{"bad schedule", "  schedule: \"0 23 * *\"\n", nil, nil, "serve.schedule: not a cron schedule"},
		{"nothing to do", "  listen: \":9090\"\n", nil, nil, "nothing to serve"},
		{"bad listen", "  schedule: \"@daily\"\n", nil, []string{"--listen", "localhost"}, `--listen "localhost": want host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, serveConfig("127.0.0.1:1", "https://dev.azure.com/contoso", tt.serve))
			vars := map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}
			for k, v := range tt.vars {
				vars[k] = v
			}
			r := invoke(t, vars, sweep.Options{}, append([]string{"serve", "--config", cfg}, tt.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 with %q\nstderr:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
}

// logWatch is stderr for a command that runs in the background: the test waits
// for a log line to appear, as the server's own record of an event.
type logWatch struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newLogWatch() *logWatch { return &logWatch{changed: make(chan struct{})} }

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
	return w.buf.Write(p)
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// await returns the first submatch of pattern in the log once a line matches.
func (w *logWatch) await(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	for {
		w.mu.Lock()
		m, changed := re.FindStringSubmatch(w.buf.String()), w.changed
		w.mu.Unlock()
		if m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		select {
		case <-changed:
		case <-time.After(time.Minute): // a failsafe, not a synchronisation
			t.Fatalf("no log line matches %s:\n%s", pattern, w.String())
		}
	}
}
