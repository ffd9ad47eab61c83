package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx/httpxtest"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/server"
)

// Shutdown lets the running sweep wind down while /healthz says 503 and webhooks
// are refused, drops (and logs) what is queued, and returns nil.
func TestShutdownDrains(t *testing.T) {
	var log httpxtest.Buffer
	f := newFixture(t, basicHook, func(o *server.Options) { o.Logger = textLogger(&log) })
	for i, pr := range []int{3571, 3574} {
		if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent(string(rune('a'+i)), pr, "completed", "Jarvis")); status != http.StatusAccepted {
			t.Fatalf("PR %d: %d, want 202", pr, status)
		}
	}
	f.ado.Slow(3571) // held until the sweep's context ends
	f.hold = make(chan struct{})
	url, stop := f.start()
	if ev := f.next(server.Started); ev.PR != "ado#3571" {
		t.Fatalf("started %+v", ev)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	// The running sweep ends (its look-up cancelled: nothing deleted) and waits in
	// Observe: the server is shutting down but still answers.
	ev := f.next(server.Finished)
	if ev.Summary != nil && ev.Summary.Deleted != 0 {
		t.Errorf("the interrupted sweep deleted %d tags", ev.Summary.Deleted)
	}
	if status, _, body := get(t, url+"/healthz"); status != http.StatusServiceUnavailable || body != "shutting down\n" {
		t.Errorf("/healthz while shutting down: %d %q, want 503", status, body)
	}
	if status, h, _ := post(t, url, hookUser, hookPassword, adoEvent("late", 3589, "abandoned", "Jarvis")); status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Errorf("webhook while shutting down: %d (Retry-After %q), want 503 with Retry-After", status, h.Get("Retry-After"))
	}
	close(f.hold)
	if ev := f.next(server.Dropped); ev.PR != "ado#3574" || ev.Trigger != server.TriggerWebhook {
		t.Errorf("dropped %+v", ev)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	f.noMoreEvents()
	if diff := cmp.Diff(classicWithout(), f.remaining()); diff != "" {
		t.Errorf("registry changed (-want +got):\n%s", diff)
	}
	if n := f.ado.Requests(3574); n != 0 {
		t.Errorf("the dropped sweep read PR 3574 %d times", n)
	}
	if !strings.Contains(log.String(), `msg="sweep not run: shutting down" trigger=webhook pr=ado#3574`) {
		t.Errorf("the dropped sweep is not logged:\n%s", log.String())
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	if got := metric(t, page, `prsweep_sweeps_total{outcome="dropped",trigger="webhook"}`); got != 1 {
		t.Errorf("dropped %v, want 1", got)
	}
}
