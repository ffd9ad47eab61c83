package progress

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the renderer's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fixture() (*Counters, func() time.Time, *time.Time) {
	var c Counters
	c.Selected(40)
	for i := range 12 {
		c.Listed(fmt.Sprint("repo", i), 100)
	}
	c.Decided("repo0", 3210, []string{"ado#1", "ado#2"})
	c.Decided("repo1", 0, []string{"ado#2", "ado#3"}) // ado#2 spans two repositories: read once
	c.Planned("repo0", 120)
	c.Applied("repo0", 120, 40)
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	return &c, func() time.Time { return now }, &now
}

func TestRendererDrawsOnTicksAndErasesAtStop(t *testing.T) {
	c, clock, now := fixture()
	var out syncBuffer
	ticks := make(chan time.Time)
	r := NewRenderer(&out, c, Options{Now: clock, Ticks: ticks, Requests: func() (int64, int64) { return 1234, 3 }})
	r.Start() // draws at once
	*now = now.Add(72 * time.Second)
	ticks <- *now
	ticks <- *now // the first draw is done once the loop takes the second tick
	r.Stop()
	r.Stop() // twice is fine

	line := "repositories 12/40 listed, 3,210 tags decided, 3 PRs read, deletions 40/120, 1,234 requests (3 429), 1m12s"
	first := "repositories 12/40 listed, 3,210 tags decided, 3 PRs read, deletions 40/120, 1,234 requests (3 429), 0s"
	want := "\r" + first + "\x1b[K" + "\r" + line + "\x1b[K" + "\r" + line + "\x1b[K" + "\r\x1b[K"
	if got := out.String(); got != want {
		t.Errorf("output:\n got %q\nwant %q", got, want)
	}
}

func TestRendererLogLinesGoAboveTheLine(t *testing.T) {
	c, clock, _ := fixture()
	var out syncBuffer
	r := NewRenderer(&out, c, Options{Now: clock, Ticks: make(chan time.Time)})
	log := slog.New(slog.NewTextHandler(r.Writer(), &slog.HandlerOptions{ReplaceAttr: noTime}))
	log.Info("before any line") // nothing to erase yet
	r.Draw()
	log.Info("deleted", "image", "jarvis:PR1")
	r.Stop()
	got := out.String()
	want := "level=INFO msg=\"before any line\"\n" +
		"\r" + r.Line() + "\x1b[K" +
		"\r\x1b[K" + "level=INFO msg=deleted image=jarvis:PR1\n" // erased once: Stop finds nothing shown
	if got != want {
		t.Errorf("output:\n got %q\nwant %q", got, want)
	}
}

func TestRendererCutsTheLineToTheTerminal(t *testing.T) {
	c, clock, _ := fixture()
	var out syncBuffer
	r := NewRenderer(&out, c, Options{Now: clock, Width: func() int { return 20 }})
	r.Draw()
	if got, want := out.String(), "\rrepositories 12/40 \x1b[K"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestRendererWithoutStartStopsAtOnce(t *testing.T) {
	c, clock, _ := fixture()
	r := NewRenderer(io.Discard, c, Options{Now: clock})
	r.Stop() // must not wait for a goroutine that never ran
}

func TestCounters(t *testing.T) {
	var c Counters
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			c.Listed("r", 1)
			c.Decided("r", 2, []string{fmt.Sprint("ado#", i%10)})
			c.Planned("r", 1)
			c.Applied("r", 1, 1)
		})
	}
	wg.Wait()
	want := Snapshot{Listed: 50, Decided: 100, PRs: 10, Planned: 50, Deleted: 50}
	if got := c.Snapshot(); got != want {
		t.Errorf("snapshot %+v, want %+v", got, want)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -5: "-5"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLogWritesOneLinePerRepositoryWithDeletions(t *testing.T) {
	var out bytes.Buffer
	l := Log{Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{ReplaceAttr: noTime}))}
	l.Selected(3)
	l.Listed("jarvis", 10)
	l.Decided("jarvis", 10, []string{"ado#1"})
	l.Planned("jarvis", 2)
	l.Applied("jarvis", 2, 2)
	want := "level=INFO msg=\"repository planned\" repository=jarvis deletions=2\n" +
		"level=INFO msg=\"repository swept\" repository=jarvis deleted=2 planned=2\n"
	if got := out.String(); got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

func noTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
