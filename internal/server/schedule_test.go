package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/server"
)

// clock is the schedule's time source: a fixed now, and an After that hands the
// requested wait to the test and fires when the test says.
type clock struct {
	now   time.Time
	waits chan time.Duration
	fire  chan time.Time
}

func newClock(now time.Time) *clock {
	return &clock{now: now, waits: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (c *clock) options(o *server.Options) {
	o.Now = func() time.Time { return c.now }
	o.After = func(d time.Duration) <-chan time.Time {
		c.waits <- d
		return c.fire
	}
}

// wait returns the next wait the scheduler asked for.
func (c *clock) wait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(time.Minute): // a failsafe, not a synchronisation
		t.Fatal("the scheduler never waited")
		return 0
	}
}

// A schedule tick runs a full sweep, as `prsweep run`; /metrics and /healthz say so.
func TestScheduledSweep(t *testing.T) {
	c := newClock(time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC))
	f := newFixture(t, `  schedule: "0 23 * * *"
`, c.options)
	url, stop := f.start()
	if d := c.wait(t); d != time.Hour {
		t.Errorf("first wait %s, want 1h (22:00 to 23:00)", d)
	}
	if status, h, body := get(t, url+"/healthz"); status != http.StatusOK || body != "ok\n" || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("/healthz: %d %q %q", status, body, h.Get("Content-Type"))
	}
	if status, _, _ := post(t, url, hookUser, hookPassword, adoEvent("e", 3571, "completed", "Jarvis")); status != http.StatusNotFound {
		t.Errorf("webhook without a configured endpoint: %d, want 404", status)
	}
	c.fire <- c.now
	if ev := f.next(server.Started); ev.Trigger != server.TriggerSchedule || ev.PR != "" {
		t.Errorf("started %+v", ev)
	}
	ev := f.next(server.Finished)
	if ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 4 || ev.Summary.Preserved != 14 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	c.wait(t) // the scheduler is waiting for the next time again
	if diff := cmp.Diff(registrytest.ClassicPreserved(), f.remaining()); diff != "" {
		t.Errorf("registry after the scheduled sweep (-want +got):\n%s", diff)
	}
	if out := f.out.String(); !strings.HasPrefix(out, "Summary:\nDeleted Images:\n  jarvis:PR3571-test\n") || !strings.Contains(out, "jarvis:PR3574-test-arm") {
		t.Errorf("report:\n%s", out)
	}
	_, h, page := get(t, url+"/metrics")
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Errorf("/metrics Content-Type %q", h.Get("Content-Type"))
	}
	for series, want := range map[string]float64{
		`prsweep_sweeps_total{outcome="ok",trigger="schedule"}`:      1,
		`prsweep_sweeps_total{outcome="skipped",trigger="schedule"}`: 0,
		`prsweep_sweeps_total{outcome="ok",trigger="webhook"}`:       0,
		`prsweep_tags_total{outcome="deleted"}`:                      4,
		`prsweep_tags_total{outcome="kept"}`:                         14,
		`prsweep_tags_total{outcome="failed"}`:                       0,
		`prsweep_last_sweep_timestamp_seconds{trigger="schedule"}`:   float64(c.now.Unix()),
		`prsweep_last_success_timestamp_seconds{trigger="schedule"}`: float64(c.now.Unix()),
		`prsweep_last_sweep_duration_seconds{trigger="schedule"}`:    0, // the clock stands still
		`prsweep_queue_depth`:                                        0,
		`prsweep_queue_capacity`:                                     16,
	} {
		if got := metric(t, page, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if status, _, body := get(t, f.hooks.URL+"/healthz"); status != http.StatusServiceUnavailable || body != "shutting down\n" {
		t.Errorf("/healthz after shutdown: %d %q, want 503", status, body)
	}
}

// A tick while the scheduled sweep before it still runs is skipped, not queued.
func TestOverlappingTickSkipped(t *testing.T) {
	c := newClock(time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC))
	f := newFixture(t, `  schedule: "@every 1h"
`, c.options)
	release := f.ado.Slow(3571) // the first sweep waits on PR 3571 until released
	url, stop := f.start()
	c.wait(t)
	c.fire <- c.now
	f.next(server.Started)
	c.wait(t)
	c.fire <- c.now // the first sweep cannot have finished: PR 3571 is held
	if ev := f.next(server.Skipped); ev.Trigger != server.TriggerSchedule || ev.Outcome != server.OutcomeSkipped {
		t.Errorf("skipped %+v", ev)
	}
	c.wait(t)
	if f.srv.TriggerSchedule() {
		t.Error("TriggerSchedule while a scheduled sweep runs: true, want false")
	}
	f.next(server.Skipped)
	release()
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 4 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	_, _, page := get(t, url+"/metrics")
	if got := metric(t, page, `prsweep_sweeps_total{outcome="skipped",trigger="schedule"}`); got != 2 {
		t.Errorf("skipped sweeps %v, want 2", got)
	}
	if got := metric(t, page, `prsweep_sweeps_total{outcome="ok",trigger="schedule"}`); got != 1 {
		t.Errorf("scheduled sweeps %v, want 1", got)
	}
	// Once it is over, the next tick runs again.
	if !f.srv.TriggerSchedule() {
		t.Error("TriggerSchedule after the sweep ended: false, want true")
	}
	f.next(server.Started)
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 0 {
		t.Errorf("second sweep %+v %+v", ev, ev.Summary)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	if n := f.ado.Requests(3571); n != 1 {
		t.Errorf("PR 3571 read %d times, want once (by the first sweep; the second found none of its tags)", n)
	}
}
