package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/server"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	adoToken     = "pat-7q2hx3vkz5sw4m9c2r8e6tnb1y0plhd4u5gfa3j7okeqz2xw1vc6" // fake
	hookUser     = "prsweep"
	hookPassword = "hook-3f9c2a71d8e04b6f95c1" // fake
)

// basicHook is a serve section with the Azure DevOps endpoint behind Basic auth.
const basicHook = `  webhooks:
    azuredevops:
      username: prsweep
      password: ${HOOK_PASSWORD}
`

// fixture is a registry seeded with the classic image set, an Azure DevOps fake
// that knows its pull requests, and a Server over both.
type fixture struct {
	t      *testing.T
	reg    *registrytest.Server
	ado    *scmtest.AzureDevOps
	srv    *server.Server
	out    *httpxtest.Buffer
	events chan server.Event
	hold   chan struct{} // when not nil, Observe waits on it after a Finished event
	hooks  *httptest.Server
	// cancelled is closed once stop has cancelled Run's context (and, with it,
	// every context derived from it), before stop waits for Run. start sets it.
	cancelled chan struct{}
}

func newFixture(t *testing.T, serve string, opts ...func(*server.Options)) *fixture {
	t.Helper()
	return newFixtureWith(t, serve, sweep.Options{}, opts...)
}

// newFixtureWith is newFixture with the sweeper built with so.
func newFixtureWith(t *testing.T, serve string, so sweep.Options, opts ...func(*server.Options)) *fixture {
	t.Helper()
	reg := registrytest.StartV3(t)
	registrytest.MustSeed(t, reg, registrytest.ClassicSet())
	return newFixtureOn(t, reg, serve, so, opts...)
}

// newFixtureOn is newFixtureWith over reg, seeded by the caller.
func newFixtureOn(t *testing.T, reg *registrytest.Server, serve string, so sweep.Options, opts ...func(*server.Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, reg: reg, out: &httpxtest.Buffer{}, events: make(chan server.Event, 64)}
	f.ado = scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
	f.ado.SetPR(3571, "completed", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	f.ado.SetPR(3574, "abandoned", time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC))
	for _, id := range []int{3561, 3565, 3589} {
		f.ado.SetPR(id, "active", time.Time{})
	}
	yaml := fmt.Sprintf(`registry:
  url: http://%s
sources:
  - name: ado
    type: azuredevops
    url: %s
    project: Jarvis
    token: ${ADO_TOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: ado
serve:
%s`, f.reg.Host(), f.ado.URL(), serve)
	env := map[string]string{"ADO_TOKEN": adoToken, "HOOK_PASSWORD": hookPassword, "HOOK_SECRET": hookPassword}
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	sw, err := sweep.New(cfg, so)
	if err != nil {
		t.Fatal(err)
	}
	o := server.Options{Stdout: f.out, Format: "text", Observe: f.observe}
	for _, opt := range opts {
		opt(&o)
	}
	if f.srv, err = server.New(cfg, sw, o); err != nil {
		t.Fatal(err)
	}
	f.hooks = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.hooks.Close)
	return f
}

func (f *fixture) observe(ev server.Event) {
	f.events <- ev
	if ev.Kind == server.Finished && f.hold != nil {
		<-f.hold
	}
}

// start runs the server on a loopback port; stop shuts it down and returns what
// Run returned. The test's cleanup stops it too.
func (f *fixture) start() (url string, stop func() error) {
	f.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan struct{})
	f.cancelled = cancelled
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, ln) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			close(cancelled)
			runErr = <-done
		})
		return runErr
	}
	f.t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// next returns the next event, which must be of kind.
func (f *fixture) next(kind server.EventKind) server.Event {
	f.t.Helper()
	select {
	case ev := <-f.events:
		if ev.Kind != kind {
			f.t.Fatalf("event %+v, want %s", ev, kind)
		}
		return ev
	case <-time.After(time.Minute): // a failsafe, not a synchronisation
		f.t.Fatalf("no %s event", kind)
		return server.Event{}
	}
}

// noMoreEvents fails on any event left; call it once the server has stopped.
func (f *fixture) noMoreEvents() {
	f.t.Helper()
	select {
	case ev := <-f.events:
		f.t.Errorf("unexpected event %+v", ev)
	default:
	}
}

// remaining lists every repo:tag left in the registry.
func (f *fixture) remaining() []string {
	f.t.Helper()
	c, err := oci.New(f.reg.Host(), oci.Options{Scheme: "http"})
	if err != nil {
		f.t.Fatal(err)
	}
	ctx := context.Background()
	repos, err := c.Repositories(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, r := range repos {
		tags, err := c.Tags(ctx, r)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, tag := range tags {
			out = append(out, r+":"+tag)
		}
	}
	slices.Sort(out)
	return out
}

// classicWithout is the classic image set without the given tags, sorted.
func classicWithout(gone ...string) []string {
	var out []string
	for _, img := range registrytest.ClassicSet() {
		if !slices.Contains(gone, img.Ref()) {
			out = append(out, img.Ref())
		}
	}
	slices.Sort(out)
	return out
}

// adoEvent is a git.pullrequest.updated delivery shaped like the documented
// sample (api-notes §4.5), trimmed.
func adoEvent(id string, pr int, status, project string) string {
	return fmt.Sprintf(`{
  "subscriptionId": "6b6d5f73-4a3c-4a64-8c36-2a4cfc0e5b11",
  "notificationId": 7,
  "id": %q,
  "eventType": "git.pullrequest.updated",
  "publisherId": "tfs",
  "message": {"text": "Jamal Hartnett marked the pull request as %s"},
  "resource": {
    "repository": {
      "id": "3411ebc1-d5aa-464f-9615-0b527bc66719",
      "name": "jarvis",
      "project": {"id": "a7573007-bbb3-4341-b726-0c4148a07853", "name": %q, "state": "wellFormed"}
    },
    "pullRequestId": %d,
    "status": %q,
    "closedDate": "2026-11-20T10:00:00.0000000Z",
    "mergeStatus": "succeeded",
    "sourceRefName": "refs/heads/feature/%d",
    "targetRefName": "refs/heads/main"
  },
  "resourceVersion": "1.0",
  "resourceContainers": {"project": {"id": "a7573007-bbb3-4341-b726-0c4148a07853"}},
  "createdDate": "2026-11-20T10:00:01.2813828Z"
}`, id, status, project, pr, status, pr)
}

// post sends body to the Azure DevOps endpoint of base with Basic credentials
// (none when user is "") and returns the status, the Retry-After header and the
// body.
func post(t *testing.T, base, user, pass, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/azuredevops", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// metric returns the value of the series (name and labels, as the text format
// writes them) in a /metrics page, failing when it is not there.
func metric(t *testing.T, page, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	t.Fatalf("no series %s in /metrics", series)
	return 0
}

func textLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// onMessage is a log handler that calls fn, on the logging goroutine, before it
// passes on a record whose message starts with prefix: a test's hook into a
// point of the server's sequence that only the log shows.
type onMessage struct {
	slog.Handler
	prefix string
	fn     func()
}

func (h onMessage) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.prefix) {
		h.fn()
	}
	return h.Handler.Handle(ctx, r)
}

func (h onMessage) WithAttrs(as []slog.Attr) slog.Handler {
	return onMessage{h.Handler.WithAttrs(as), h.prefix, h.fn}
}

func (h onMessage) WithGroup(name string) slog.Handler {
	return onMessage{h.Handler.WithGroup(name), h.prefix, h.fn}
}
