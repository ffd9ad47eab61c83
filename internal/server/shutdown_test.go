package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/sweep"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/server"
)

// Shutdown lets the running sweep wind down while /healthz says 503 and webhooks
// are refused, drops (and logs) what is queued, and returns nil.
//
// The running sweep must not be interrupted before the server is stopping. The
// test holds Run just after its context is done and before /healthz turns 503
// (in its "shutting down" log line, until stop has cancelled that context) and
// checks that the sweep's context is still alive then. When the sweeps' context
// was derived from Run's, a loaded machine let the sweep report Finished while
// /healthz still answered 200 (and a late webhook was queued).
func TestShutdownDrains(t *testing.T) {
	var log httpxtest.Buffer
	// PR 3571's read answers 503 once; the back-off before the next attempt
	// holds the sweep until its context ends, and hands that context to the test.
	held := make(chan context.Context, 1)
	holdBackoff := func(ctx context.Context, _ time.Duration) error {
		select {
		case held <- ctx:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}
	var sweepCtx context.Context   // the held sweep's, set before stop
	checked := make(chan error, 1) // the sweep's context's error when Run begins to shut down
	var f *fixture
	f = newFixtureWith(t, basicHook, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(holdBackoff)}},
		func(o *server.Options) {
			o.Logger = slog.New(onMessage{textLogger(&log).Handler(), "shutting down", func() {
				<-f.cancelled // Run's context, and all derived from it, is cancelled
				select {
				case checked <- sweepCtx.Err():
				default:
				}
			}})
		})
	for i, pr := range []int{3571, 3574} {
		if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent(string(rune('a'+i)), pr, "completed", "Jarvis")); status != http.StatusAccepted {
			t.Fatalf("PR %d: %d, want 202", pr, status)
		}
	}
	f.ado.ServerError(3571, http.StatusServiceUnavailable, 1)
	f.hold = make(chan struct{})
	url, stop := f.start()
	if ev := f.next(server.Started); ev.PR != "ado#3571" {
		t.Fatalf("started %+v", ev)
	}
	select {
	case sweepCtx = <-held:
	case <-time.After(time.Minute): // a failsafe, not a synchronisation
		t.Fatal("the sweep never retried PR 3571's read")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-checked:
		if err != nil {
			t.Errorf("the running sweep was interrupted (%v) before the server was stopping (/healthz 503)", err)
		}
	case <-time.After(time.Minute): // a failsafe, not a synchronisation
		t.Fatal(`Run logged no "shutting down"`)
	}

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
