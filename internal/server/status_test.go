package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/server"
)

// twoSweeps starts a server keeping its history in hist and runs two sweeps: a
// scheduled one that deletes the classic set's four PR tags, then one for a
// webhook about PR 3574, which finds nothing left to delete.
func twoSweeps(t *testing.T, hist string) (*fixture, string) {
	t.Helper()
	c := newClock(time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC))
	f := newFixture(t, "  schedule: \"0 23 * * *\"\n  history: "+hist+"\n  historyLimit: 5\n"+basicHook, c.options)
	url, _ := f.start()
	c.wait(t)
	if !f.srv.TriggerSchedule() {
		t.Fatal("the scheduled sweep was not triggered")
	}
	f.next(server.Started)
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 4 {
		t.Fatalf("scheduled sweep: %+v", ev)
	}
	if status, _, body := post(t, url, hookUser, hookPassword, adoEvent(hist, 3574, "abandoned", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", status, body)
	}
	f.next(server.Started)
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Trigger != server.TriggerWebhook {
		t.Fatalf("webhook sweep: %+v", ev)
	}
	return f, url
}

var rowRE = regexp.MustCompile(`(?s)<tr class="(\w+)" id="sweep-(\d+)">(.*?)</tr>`)

// The status page lists the sweeps, newest first, each with its report, and
// draws a bar per sweep; the history survives a restart.
func TestStatusPage(t *testing.T) {
	hist := t.TempDir()
	f, url := twoSweeps(t, hist)

	status, h, page := get(t, url+"/")
	if status != http.StatusOK || h.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("GET /: %d %v", status, h)
	}
	rows := rowRE.FindAllStringSubmatch(page, -1)
	if len(rows) != 2 || rows[0][2] != "2" || rows[1][2] != "1" {
		t.Fatalf("rows %q, want sweeps 2 and 1\n%s", rows, page)
	}
	cells := func(row string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(row, -1) {
			out = append(out, m[1])
		}
		return out
	}
	first := cells(rows[1][3])
	// #, started, trigger, outcome, exit code, deleted, kept, failed, freed, took, report
	if want := []string{"1", "2026-11-20 22:00:00", "schedule", "ok", "0", "4", "14", "0"}; strings.Join(first[:8], "|") != strings.Join(want, "|") {
		t.Errorf("sweep 1's cells %q, want %q", first, want)
	}
	if first[8] != "—" { // an untag frees nothing the registry reports
		t.Errorf("sweep 1 freed %q, want —", first[8])
	}
	if first[10] != `<a href="/sweeps/1">report</a>` {
		t.Errorf("sweep 1's report cell %q", first[10])
	}
	if n := strings.Count(page, `<rect class="bar`); n != 2 {
		t.Errorf("%d bars, want 2", n)
	}
	if strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) || strings.Contains(page, "<script") {
		t.Error("the page loads something from elsewhere")
	}

	status, h, rep := get(t, url+"/sweeps/1")
	if status != http.StatusOK || h.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(rep, "Deleted Images:\n  jarvis:PR3571-test\n") {
		t.Errorf("GET /sweeps/1: %d %q\n%s", status, h.Get("Content-Type"), rep)
	}
	if !strings.HasPrefix(f.out.String(), rep) {
		t.Errorf("the kept report is not the one written to stdout:\n%s\nstdout:\n%s", rep, f.out.String())
	}
	for _, path := range []string{"/sweeps/3", "/sweeps/x", "/sweeps/..%2fhistory.json"} {
		if status, _, _ := get(t, url+path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}

	// Another server over the same history: the sweeps are still listed.
	_, url = twoSweeps(t, hist)
	_, _, page = get(t, url+"/")
	if rows := rowRE.FindAllStringSubmatch(page, -1); len(rows) != 4 || rows[0][2] != "4" || rows[3][2] != "1" {
		t.Errorf("after a restart: %d rows, want sweeps 4 to 1", len(rows))
	}
}

func TestStatusPageBeforeAnySweep(t *testing.T) {
	f := newFixture(t, "  schedule: \"0 23 * * *\"\n")
	status, _, page := get(t, f.hooks.URL+"/")
	if status != http.StatusOK || !strings.Contains(page, "No sweep has finished yet.") || !strings.Contains(page, "set serve.history to keep them") {
		t.Errorf("GET /: %d\n%s", status, page)
	}
	if status, _, _ := get(t, f.hooks.URL+"/nope"); status != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", status)
	}
}
