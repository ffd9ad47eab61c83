package server_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/server"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A sweep's report streams, as `prsweep run`'s does: each repository's items go
// to the sweep's own Sink (the Sweeper the server shares gets none), and what
// serve prints to Stdout and keeps in the history is report.Write of those
// items, byte for byte: a webhook's sweep scoped to its pull request, then a
// scheduled one, with the reports kept in a history directory or not.
func TestSweepsStreamTheirReport(t *testing.T) {
	for _, c := range []struct {
		name    string
		format  report.Format
		verbose bool
		kept    bool
		limit   bool // a safety limit stops both sweeps: every tag kept, the plan spooled whole first
	}{
		{"text kept", report.Text, false, true, false},
		{"json verbose not kept", report.JSON, true, false, false},
		{"markdown verbose kept", report.Markdown, true, true, false},
		{"text kept over a limit", report.Text, true, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			hist, serve := "", basicHook
			if c.kept {
				hist = filepath.Join(t.TempDir(), "history")
				serve = "  history: " + hist + "\n" + serve
			}
			outcome, deleted := server.OutcomeOK, 2
			if c.limit {
				serve += "safety:\n  maxDeletions: 1\n" // the serve section ends: a top-level key
				outcome, deleted = server.OutcomeLimit, 0
			}
			clock := newClock(time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC))
			f := newFixture(t, "  schedule: \"0 23 * * *\"\n"+serve, clock.options, func(o *server.Options) {
				o.Format, o.Verbose = c.format, c.verbose
			})
			var mu sync.Mutex
			var streamed [][]plan.Item // each sweep's items, as its Sink was given them
			server.OnSweep(f.srv, func(sw *sweep.Sweeper) {
				mu.Lock()
				i := len(streamed)
				streamed = append(streamed, nil)
				mu.Unlock()
				if sw.Sink == nil {
					t.Errorf("sweep %d has no Sink: its items are held whole", i+1)
					return
				}
				sink := sw.Sink
				sw.Sink = func(items []plan.Item) {
					mu.Lock()
					streamed[i] = append(streamed[i], items...)
					mu.Unlock()
					sink(items)
				}
			})
			if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
				t.Fatalf("webhook: %d %q", status, msg)
			}
			url, stop := f.start()

			pr := scm.Ref{Source: "ado", Number: "3571"}
			ext := map[report.Format]string{report.Text: ".txt", report.JSON: ".json", report.Markdown: ".md"}[c.format]
			check := func(id int, ref *scm.Ref, printed []byte) {
				t.Helper()
				mu.Lock()
				items := slices.Clone(streamed[id-1])
				mu.Unlock()
				if len(items) == 0 {
					t.Fatalf("sweep %d streamed no item", id)
				}
				if ref != nil {
					scoped := sweep.InScope(items, *ref)
					if len(scoped) == len(items) {
						t.Fatalf("sweep %d: every streamed item is in scope; the test shows no scoping", id)
					}
					items = scoped
				}
				var want bytes.Buffer
				if err := report.Write(&want, c.format, report.Report{Verbose: c.verbose, Items: items}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(printed, want.Bytes()) {
					t.Errorf("sweep %d's report on stdout:\n%s\nwant report.Write of its items:\n%s", id, printed, want.Bytes())
				}
				status, _, body := get(t, url+"/sweeps/"+string(rune('0'+id)))
				switch {
				case c.kept && (status != http.StatusOK || body != want.String()):
					t.Errorf("sweep %d's kept report: %d\n%s\nwant:\n%s", id, status, body, want.Bytes())
				case !c.kept && status != http.StatusNotFound:
					t.Errorf("sweep %d's report with no history directory: %d, want 404", id, status)
				}
			}

			f.next(server.Started)
			if ev := f.next(server.Finished); ev.Outcome != outcome || ev.Summary == nil || ev.Summary.Deleted != deleted {
				t.Fatalf("webhook sweep: %+v %+v", ev, ev.Summary)
			}
			first := slices.Clone(f.out.Bytes())
			check(1, &pr, first)

			if !f.srv.TriggerSchedule() {
				t.Fatal("the scheduled sweep was not triggered")
			}
			f.next(server.Started)
			if ev := f.next(server.Finished); ev.Outcome != outcome || ev.Summary == nil || ev.Summary.Deleted != deleted {
				t.Fatalf("scheduled sweep: %+v %+v", ev, ev.Summary)
			}
			check(2, nil, f.out.Bytes()[len(first):])

			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if server.SharedSink(f.srv) {
				t.Error("the shared Sweeper was given a Sink")
			}
			if c.kept {
				if names, want := files(t, hist), []string{"history.json", "sweep-1" + ext, "sweep-2" + ext}; !slices.Equal(names, want) {
					t.Errorf("history directory %v, want %v: no temporary file left", names, want)
				}
			}
		})
	}
}

// failingWriter is a Stdout that refuses every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// A Stdout that fails does not cost the history its report: the two are written
// side by side, and the failure is logged.
func TestStdoutFailureKeepsTheReport(t *testing.T) {
	hist := t.TempDir()
	var log bytes.Buffer
	var mu sync.Mutex
	f := newFixture(t, "  history: "+hist+"\n"+basicHook, func(o *server.Options) {
		o.Stdout = failingWriter{}
		o.Logger = textLogger(&lockedWriter{mu: &mu, w: &log})
	})
	if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("webhook: %d %q", status, msg)
	}
	url, stop := f.start()
	f.next(server.Started)
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 2 {
		t.Fatalf("webhook sweep: %+v", ev)
	}
	status, _, body := get(t, url+"/sweeps/1")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK || !bytes.HasPrefix([]byte(body), []byte("Summary:\nDeleted Images:\n  jarvis:PR3571-test\n")) {
		t.Errorf("the kept report: %d\n%s", status, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Contains(log.Bytes(), []byte(`msg="writing the report failed"`)) {
		t.Errorf("the failure is not logged:\n%s", log.Bytes())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A sweep that fails (the registry refuses every repository's listing, after the
// catalog) writes no report and keeps none, whatever it had streamed.
func TestFailedSweepKeepsNoReport(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	reg := registrytest.StartProxy(t, backend, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" || r.URL.Path == "/v2/_catalog" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
		})
	})
	hist := t.TempDir()
	f := newFixtureOn(t, reg, "  history: "+hist+"\n"+basicHook, sweep.Options{})
	var streamed atomic.Int64
	server.OnSweep(f.srv, func(sw *sweep.Sweeper) {
		sink := sw.Sink
		if sink == nil {
			t.Error("the sweep has no Sink: its items are held whole")
			return
		}
		sw.Sink = func(items []plan.Item) { streamed.Add(int64(len(items))); sink(items) }
	})
	if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("webhook: %d %q", status, msg)
	}
	url, stop := f.start()
	f.next(server.Started)
	ev := f.next(server.Finished)
	status, _, _ := get(t, url+"/sweeps/1")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if ev.Outcome != server.OutcomeError || ev.Summary != nil || !errors.Is(ev.Err, sweep.ErrCredentials) {
		t.Errorf("finished %+v, want an error outcome, no summary", ev)
	}
	if streamed.Load() == 0 {
		t.Error("nothing was streamed before the failure: the test shows nothing discarded")
	}
	if out := f.out.String(); out != "" || status != http.StatusNotFound {
		t.Errorf("a report of a failed sweep: stdout %q, GET /sweeps/1 %d", out, status)
	}
	if got := files(t, hist); !slices.Equal(got, []string{"history.json"}) {
		t.Errorf("history directory %v, want the index alone", got)
	}
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
