package faulttest_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/faulttest"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// pageSize makes the large repository's listing three pages long, so that a page
// in the middle can fail. sweep.New asks for pages of 1000.
const pageSize = 50

// inProcess runs a sweep the way `prsweep run --output json` does — config.Parse,
// sweep.New, Run, report.Write, and the CLI's exit codes — except that the
// registry client, built as sweep.New builds it, lists tags pageSize at a time. It lives in a test file because
// only cli, sweep, server and demo may import config, and only sweep the
// adapters (internal/arch).
func inProcess(ctx context.Context, inv faulttest.Invocation) faulttest.Outcome {
	var stderr bytes.Buffer
	log := slog.New(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fail := func(code int, err error) faulttest.Outcome {
		fmt.Fprintf(&stderr, "prsweep: %v\n", err)
		return faulttest.Outcome{Code: code, Stderr: stderr.String()}
	}
	cfg, err := config.Parse(inv.Config, inv.Dir, func(k string) (string, bool) {
		v, ok := inv.Env[k]
		return v, ok
	})
	if err != nil {
		return fail(2, err)
	}
	o := inv.Options
	o.Logger = log
	s, err := sweep.New(cfg, o)
	if err != nil {
		return fail(2, err)
	}
	// A transport of this sweep's own, closed after it: hundreds of sweeps must not
	// leave their idle connections open on the suite's registries.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	// The retry options and attempt timeout sweep.New gives its own client.
	retry := append([]httpx.RetryOption{httpx.WithAttempts(cfg.HTTP.Attempts), httpx.WithMaxRetryAfter(cfg.HTTP.MaxRetryAfter.Std())}, o.RetryOptions...)
	reg, err := oci.New(cfg.Registry.Host(), oci.Options{Scheme: cfg.Registry.Scheme(), PageSize: pageSize, Transport: tr,
		RetryOptions: retry, AttemptTimeout: cmp.Or(o.AttemptTimeout, cfg.HTTP.Timeout.Std()), Logger: log, Wrap: dump(o.Debug)})
	if err != nil {
		return fail(2, err)
	}
	s.Registry = reg
	if s.AuditPath != "" { // as the CLI does for a sweep that deletes
		journal, err := audit.Open(s.AuditPath)
		if err != nil {
			return fail(2, err)
		}
		defer journal.Close()
		s.Audit = journal
	}
	ctx, cancel := s.Context(ctx)
	defer cancel()
	res, err := s.Run(ctx, false)

	// What cli.printResult and cli.exitCode do.
	var limit *plan.LimitError
	switch {
	case errors.Is(err, sweep.ErrCredentials):
		return fail(2, err)
	case err != nil && !errors.As(err, &limit):
		return fail(1, err)
	}
	var out bytes.Buffer
	if werr := report.Write(&out, report.JSON, report.Report{DryRun: res.DryRun, Items: res.Items}); werr != nil {
		return fail(1, werr)
	}
	code := 0
	switch {
	case limit != nil:
		code = 3
	case report.Summarize(res.Items, res.DryRun).Failed > 0:
		code = 1
	}
	return faulttest.Outcome{Code: code, Report: out.Bytes(), Stderr: stderr.String()}
}

// dump is sweep.New's --debug layer for the registry client (whose exchanges
// carry no secret in the suite).
func dump(w io.Writer) func(http.RoundTripper) http.RoundTripper {
	if w == nil {
		return nil
	}
	return func(rt http.RoundTripper) http.RoundTripper { return httpx.NewDump(rt, w) }
}
