package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// remembered is how many webhook deliveries the server remembers to drop their
// redeliveries.
const remembered = 4096

// defaultShutdownTimeout bounds http.Server.Shutdown once the sweeps are done.
const defaultShutdownTimeout = 10 * time.Second

// Options are what the caller adds to the configuration.
type Options struct {
	DryRun  bool          // decide and report, delete nothing
	Format  report.Format // of the report written after each sweep; default text
	Verbose bool          // the report gives each tag's reason
	Stdout  io.Writer     // where reports go; nil discards them
	Logger  *slog.Logger  // events; nil discards them

	Now   func() time.Time                     // default time.Now
	After func(time.Duration) <-chan time.Time // default time.After: waits for the next scheduled time

	ShutdownTimeout time.Duration // bounds http.Server.Shutdown; default 10s
	// Observe, when set, is told of each Event: by the sweeping goroutine, in
	// order, and for Skipped by the scheduling one, so it must be safe for
	// concurrent use. It must not call back into the Server.
	Observe func(Event)
}

// Event is something the server did with a sweep.
type Event struct {
	Kind    EventKind
	Trigger string          // TriggerSchedule or TriggerWebhook
	PR      string          // the webhook sweep's pull request, like ado#3571
	Outcome string          // Finished: OutcomeOK, …; Skipped, Dropped: that outcome
	Summary *report.Summary // Finished, when the sweep got as far as a plan
	Err     error           // Finished with OutcomeError or OutcomeLimit
}

// EventKind says what an Event is.
type EventKind string

// Event kinds.
const (
	Started  EventKind = "started"
	Finished EventKind = "finished"
	Skipped  EventKind = "skipped" // a schedule tick while a scheduled sweep was pending or running
	Dropped  EventKind = "dropped" // a queued sweep not run because the server shut down
)

// Server is one `prsweep serve` process.
type Server struct {
	sw       *sweep.Sweeper
	serve    config.Serve
	ado      []adoSource
	adoAuth  *verifier // nil: no Azure DevOps endpoint
	hist     *history  // the last sweeps, for the status page (history.go)
	gh       *ghHook   // nil: no GitHub endpoint
	gl       *glHook   // nil: no GitLab endpoint
	o        Options
	log      *slog.Logger
	m        *metrics
	q        *queue
	stopping atomic.Bool
	sweeping func(*sweep.Sweeper) // a test's hook: each sweep's Sweeper, just before it runs

	fullMu  sync.Mutex
	full    fullState     // the scheduled sweep's state
	fullReq chan struct{} // cap 1: a scheduled sweep is pending
}

type fullState int

const (
	idle fullState = iota
	pending
	running
)

// ErrNothingToDo is returned by New for a configuration with neither a schedule
// nor a webhook.
var ErrNothingToDo = errors.New("nothing to serve: set serve.schedule, serve.webhooks or both")

// New builds a server for a validated configuration and the sweeper built from
// it (with its audit log open, if any).
func New(cfg *config.Config, sw *sweep.Sweeper, o Options) (*Server, error) {
	if cfg.Serve.Schedule == "" && !cfg.Serve.Webhooks.Any() {
		return nil, ErrNothingToDo
	}
	if _, ok := cfg.Serve.Next(time.Time{}); cfg.Serve.Schedule != "" && !ok {
		return nil, fmt.Errorf("serve.schedule %q is not a cron schedule", cfg.Serve.Schedule)
	}
	o.Format = cmp.Or(o.Format, report.Text)
	if !slices.Contains(report.Formats(), o.Format) { // each sweep's report would fail
		return nil, fmt.Errorf("unknown report format %q: want text, json or markdown", o.Format)
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	o.ShutdownTimeout = cmp.Or(o.ShutdownTimeout, defaultShutdownTimeout)
	s := &Server{
		sw: sw, serve: cfg.Serve, ado: adoSources(cfg.Sources), o: o, log: o.Logger,
		q:       newQueue(cfg.Serve.QueueSize(), remembered),
		fullReq: make(chan struct{}, 1),
	}
	if a := cfg.Serve.Webhooks.AzureDevOps; a != nil {
		s.adoAuth = newVerifier(*a)
	}
	if err := s.forgeHooks(cfg); err != nil {
		return nil, err
	}
	s.m = newMetrics(s.q.depth, cap(s.q.ch))
	hist, err := openHistory(cfg.Serve.History, cfg.Serve.HistorySize(), o.Format, o.Logger)
	if err != nil {
		return nil, err
	}
	s.hist = hist
	for _, e := range s.endpoints() {
		for _, r := range webhookResults() {
			s.m.webhooks.WithLabelValues(e, r)
		}
		if e == "github" {
			s.m.webhooks.WithLabelValues(e, resultPing)
		}
	}
	return s, nil
}

// Handler serves /healthz, /metrics and the configured webhook endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	s.statusRoutes(mux)
	mux.Handle("GET /metrics", s.m.handler())
	if s.adoAuth != nil {
		mux.HandleFunc("POST /webhooks/azuredevops", s.azureDevOps)
	}
	if s.gh != nil {
		mux.HandleFunc("POST /webhooks/github", s.gitHub)
	}
	if s.gl != nil {
		mux.HandleFunc("POST /webhooks/gitlab", s.gitLab)
	}
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.stopping.Load() {
		reply(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	reply(w, http.StatusOK, "ok")
}

// Run serves on ln, sweeps on the schedule and for the webhooks, until ctx is
// done; then it shuts down (see the package doc) and returns nil, or the error
// that stopped the HTTP server early.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	// The sweeps' context ends only by stop, after stopping is set: derived from
	// ctx's cancellation, the running sweep could finish before /healthz said 503
	// and a webhook be queued after it.
	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	var serving, workers sync.WaitGroup
	serving.Go(func() { served <- hs.Serve(ln) })
	workers.Go(func() { s.work(work) })
	workers.Go(func() { s.tick(work) })
	s.log.Info("serving", "addr", ln.Addr().String(), "schedule", s.serve.Schedule,
		"webhooks", s.endpoints(), "queue", cap(s.q.ch), "dryRun", s.o.DryRun)

	var err error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down: the running sweep starts no new deletion, queued sweeps are not run")
	case err = <-served:
		err = fmt.Errorf("serving http: %w", err)
		s.log.Error("shutting down", "error", err)
	}
	// /healthz turns 503 and webhooks are refused while the sweeps wind down;
	// the HTTP server goes last.
	s.stopping.Store(true)
	stop()
	workers.Wait()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("shutting down the http server: %w", serr))
	}
	serving.Wait()
	s.log.Info("stopped")
	return err
}
