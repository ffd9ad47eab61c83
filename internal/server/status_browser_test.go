package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// requireChromium returns the path of Debian's chromium. Without it the test is
// skipped, unless PRSWEEP_REQUIRE_CHROMIUM is set (.ci/run sets it): then it fails.
func requireChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("PRSWEEP_REQUIRE_CHROMIUM") != "" {
		t.Fatalf("PRSWEEP_REQUIRE_CHROMIUM is set and chromium is not installed (apt-get install chromium): %v", err)
	}
	t.Skip("chromium is not installed (apt-get install chromium; PRSWEEP_REQUIRE_CHROMIUM=1 makes this a failure)")
	return ""
}

// seedHistory writes a history of two sweeps in the on-disk format: a scheduled
// one that deleted 4 tags and freed 52.4 MB, and a webhook one with a failure.
func seedHistory(t *testing.T, dir string) {
	t.Helper()
	day := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	index := map[string]any{"schema": "prsweep.history/v1", "next": 3, "sweeps": []map[string]any{
		{"id": 1, "started": day, "ended": day.Add(42 * time.Second), "trigger": "schedule", "outcome": "ok", "exitCode": 0,
			"deleted": 4, "kept": 14, "failed": 0, "manifests": 2, "bytes": 52428800, "report": "sweep-1.txt"},
		{"id": 2, "started": day.Add(9 * time.Hour), "ended": day.Add(9*time.Hour + 3*time.Second), "trigger": "webhook", "pr": "ado#3574",
			"outcome": "failures", "exitCode": 1, "deleted": 1, "kept": 0, "failed": 1, "bytes": 1048576, "report": "sweep-2.txt"},
	}}
	data, err := json.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"history.json": string(data),
		"sweep-1.txt":  "Deleted Images:\n  jarvis:PR3571-test\n",
		"sweep-2.txt":  "Deleted Images:\n  jarvis:PR3574-test\n\nFailed:\n  jarvis:PR3574-test-arm\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// The status page, loaded in a real headless Chromium from a server with a
// history of two sweeps, shows both rows and draws the chart: a bar for each
// sweep, the bytes line through two points, and the report behind each link.
func TestStatusPageInChromium(t *testing.T) {
	chromium := requireChromium(t)
	hist := t.TempDir()
	seedHistory(t, hist)
	f := newFixture(t, "  schedule: \"0 23 * * *\"\n  history: "+hist+"\n")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a failsafe
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	if err := chromedp.Do(ctx, chromedp.Navigate(f.hooks.URL+"/"), chromedp.WaitVisible("#sweeps")); err != nil {
		t.Fatalf("loading the status page: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#sweeps tbody tr[id]')].map(r => [...r.cells].map(c => c.innerText.trim()).join('|'))`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2|2026-12-06 08:00:00|webhook (ado#3574)|failures|1|1|0|1|1.0 MB|3s|report",
		"1|2026-12-05 23:00:00|schedule|ok|0|4|14|0|52.4 MB|42s|report",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// What the browser drew: the bars' and the line's boxes, not just the markup.
	type box struct{ Bars, Drawn, Paths, Points int }
	got, err := chromedp.Run(ctx, chromedp.Evaluate[box](`(() => {
		const bars = [...document.querySelectorAll('#chart rect.bar')];
		const paths = [...document.querySelectorAll('#chart path.bytes')].filter(p => p.getTotalLength() > 0);
		return {Bars: bars.length, Drawn: bars.filter(b => b.getBBox().height > 0 && b.getBoundingClientRect().width > 0).length,
			Paths: paths.length, Points: document.querySelectorAll('#chart circle.point').length};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got != (box{Bars: 2, Drawn: 2, Paths: 1, Points: 2}) {
		t.Errorf("chart %+v, want 2 bars drawn, 1 line, 2 points", got)
	}

	if shot := os.Getenv("PRSWEEP_STATUS_SCREENSHOT"); shot != "" { // to look at the page
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(shot, png, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
	_, err = chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(`a[href="/sweeps/2"]`)))
	if err != nil {
		t.Fatalf("following the report link: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.location.pathname + '\n' + document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "/sweeps/2\n") || !strings.Contains(text, "Failed:\n  jarvis:PR3574-test-arm") {
		t.Errorf("the report link opened:\n%s", text)
	}
}
