package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A sweep stopped mid-way (as by SIGINT) starts no new deletion, finishes the ones in
// flight, and its report and audit log agree with the registry.
func TestInterruptedSweep(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ManyTags("big", "PR", 60))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var deletes atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Count the PR tags' deletions only (not the probe, nor the untag proof's).
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/manifests/PR") && deletes.Add(1) == 10 {
			stop() // the signal arrives while this deletion is in flight
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	host := strings.TrimPrefix(front.URL, "http://")

	states := `{`
	for i := range 60 {
		if i > 0 {
			states += ", "
		}
		states += `"` + strconv.Itoa(5000+i) + `": merged`
	}
	states += `}`
	cfg := writeConfig(t, `registry:
  url: http://`+host+`
sources:
  - name: prs
    type: static
    states: `+states+`
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
concurrency: 4
`)
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	r := invokeCtx(t, ctx, nil, sweep.Options{}, "run", "--config", cfg, "--audit", log, "--output", "json")
	if r.code == ExitOK {
		t.Fatalf("an interrupted sweep exited 0\n%s", r.stderr)
	}
	items, sum := jsonReport(t, r)
	left := remaining(t, srv.Host())
	journal := map[string]string{}
	for _, rec := range readRecords(t, log) {
		journal[rec.Repository+":"+rec.Tag] = rec.Event
	}
	notAttempted := 0
	for ref, it := range items {
		gone := !slices.Contains(left, ref)
		switch {
		case it.Done != gone:
			t.Errorf("%s: report says done=%v, registry says gone=%v", ref, it.Done, gone)
		case gone && journal[ref] != audit.EventDeleted:
			t.Errorf("%s is gone but the audit log says %q", ref, journal[ref])
		case !gone && journal[ref] == audit.EventDeleted:
			t.Errorf("%s is there but the audit log says deleted", ref)
		case !it.Done && !strings.Contains(it.Error, "not attempted: the sweep was stopped"):
			t.Errorf("%s neither done nor stopped: %+v", ref, it)
		}
		if !it.Done {
			notAttempted++
		}
	}
	if sum.Deleted < 10 || notAttempted == 0 || sum.Deleted+notAttempted != 60 {
		t.Errorf("deleted %d, not attempted %d: want the in-flight ones done and the rest not started", sum.Deleted, notAttempted)
	}
}
