package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Triggers: what started a sweep.
const (
	TriggerSchedule = "schedule"
	TriggerWebhook  = "webhook"
)

// Outcomes of a sweep, as the exit codes of `prsweep run` would tell them, plus
// the two ways a sweep does not happen.
const (
	OutcomeOK       = "ok"       // every decision carried out (exit 0)
	OutcomeFailures = "failures" // some look-ups or deletions failed (exit 1)
	OutcomeError    = "error"    // the sweep could not look at anything (exit 2 or 1)
	OutcomeLimit    = "limit"    // a safety limit stopped it before any deletion (exit 3)
	OutcomeSkipped  = "skipped"  // a schedule tick while a scheduled sweep was pending or running
	OutcomeDropped  = "dropped"  // queued, then not run because the server shut down
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg          *prometheus.Registry
	sweeps       *prometheus.CounterVec // trigger, outcome
	tags         *prometheus.CounterVec // outcome: deleted, kept, failed
	lastTime     *prometheus.GaugeVec   // trigger
	lastDuration *prometheus.GaugeVec   // trigger
	lastSuccess  *prometheus.GaugeVec   // trigger
	webhooks     *prometheus.CounterVec // endpoint, result
}

func newMetrics(queueDepth func() int, queueSize int) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prsweep_sweeps_total", Help: "Sweeps by trigger (schedule, webhook) and outcome (ok, failures, error, limit, skipped, dropped).",
		}, []string{"trigger", "outcome"}),
		tags: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prsweep_tags_total", Help: "Tags decided by sweeps, by outcome: deleted, kept (in a dry run every tag is kept), failed.",
		}, []string{"outcome"}),
		lastTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prsweep_last_sweep_timestamp_seconds", Help: "When the last sweep of each trigger ended, in Unix seconds.",
		}, []string{"trigger"}),
		lastDuration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prsweep_last_sweep_duration_seconds", Help: "How long the last sweep of each trigger took.",
		}, []string{"trigger"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prsweep_last_success_timestamp_seconds", Help: "When the last sweep of each trigger with outcome ok ended, in Unix seconds.",
		}, []string{"trigger"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prsweep_webhook_requests_total", Help: "Webhook requests by endpoint and result.",
		}, []string{"endpoint", "result"}),
	}
	m.reg.MustRegister(m.sweeps, m.tags, m.lastTime, m.lastDuration, m.lastSuccess, m.webhooks,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "prsweep_queue_depth", Help: "Webhook sweeps waiting for their turn.",
		}, func() float64 { return float64(queueDepth()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "prsweep_queue_capacity", Help: "How many webhook sweeps may wait (serve.queue).",
		}, func() float64 { return float64(queueSize) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Series that exist from the start, so that rate() and absent() work at once.
	for _, t := range []string{TriggerSchedule, TriggerWebhook} {
		for _, o := range []string{OutcomeOK, OutcomeFailures, OutcomeError, OutcomeLimit} {
			m.sweeps.WithLabelValues(t, o)
		}
	}
	m.sweeps.WithLabelValues(TriggerSchedule, OutcomeSkipped)
	m.sweeps.WithLabelValues(TriggerWebhook, OutcomeDropped)
	for _, o := range []string{"deleted", "kept", "failed"} {
		m.tags.WithLabelValues(o)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
