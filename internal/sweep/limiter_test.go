package sweep_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

func parseConfig(t *testing.T, yaml string, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	return cfg
}

// One budget: the registry's requests and the source's share concurrency.
func TestOneLimiterForTheWholeSweep(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	const token = "ado-pat-0123456789"
	ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", token)
	ado.SetPR(3571, "completed", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	ado.SetPR(3574, "abandoned", time.Time{})
	for _, id := range []int{3561, 3565, 3589} {
		ado.SetPR(id, "active", time.Time{})
	}
	cfg := parseConfig(t, fmt.Sprintf(`registry: {url: "http://%s"}
sources: [{name: ado, type: azuredevops, url: %q, project: Jarvis, token: "${ADO}"}]
rules: [{tags: '^PR(?P<pr>\d+)-', source: ado}]
concurrency: 2
`, srv.Host(), ado.URL()), map[string]string{"ADO": token})
	lim := sweep.NewLimiter(cfg, nil)
	s, err := sweep.New(cfg, sweep.Options{Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	st := lim.Stats()
	if st.PeakInFlight > 2 {
		t.Errorf("%d requests in flight at once, want at most concurrency: 2", st.PeakInFlight)
	}
	if got := st.Requests[httpx.Key{Method: "GET", Kind: httpx.KindSource}]; got != 5 {
		t.Errorf("%d source requests through the limiter, want one per pull request (5)", got)
	}
	if st.Registry() == 0 || st.Requests[httpx.Key{Method: "GET", Kind: httpx.KindTags}] == 0 {
		t.Errorf("the registry's requests did not go through the limiter: %v", st.Requests)
	}
}

func TestLimiterPaceFromTheConfiguration(t *testing.T) {
	const rest = "\nsources: [{name: s, type: static, states: {\"1\": merged}}]\nrules: [{tags: '^PR(?P<pr>\\d+)', source: s}]\n"
	for _, tt := range []struct {
		name, yaml    string
		reads, writes float64
	}{
		{"none", "registry: {url: r.example.com}", 0, 0},
		{"keys", "registry: {url: r.example.com}\nrateLimit: {readsPerMinute: 600, writesPerMinute: 60}", 600, 60},
		{"acr sku", "registry: {type: acr, url: r.azurecr.io}\nrateLimit: {sku: standard}", 3000, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := sweep.NewLimiter(parseConfig(t, tt.yaml+rest, nil), nil).Stats()
			if st.ReadsPerMinute != tt.reads || st.WritesPerMinute != tt.writes {
				t.Errorf("paced at %g reads and %g writes a minute, want %g and %g", st.ReadsPerMinute, st.WritesPerMinute, tt.reads, tt.writes)
			}
		})
	}
}

// With one slot, a response whose body nobody finished would stall the sweep:
// every adapter's requests must give their slot back.
func TestSweepWithOneRequestInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard against a hang
	defer cancel()
	for name, start := range registries {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			res, err := newSweeper(t, srv.Host(), classicStates(), "concurrency: 1\n").Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if deleted, _ := outcome(t, res.Items); len(deleted) != len(registrytest.ClassicDeleted()) {
				t.Errorf("deleted %v, want %v", deleted, registrytest.ClassicDeleted())
			}
		})
	}
	t.Run("acr", func(t *testing.T) {
		e := newACREnv(t)
		res, err := e.sweeper(t, acrClient, "concurrency: 1\n").Run(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if deleted, _ := outcome(t, res.Items); len(deleted) != len(registrytest.ClassicDeleted()) {
			t.Errorf("deleted %v, want %v", deleted, registrytest.ClassicDeleted())
		}
	})
}
