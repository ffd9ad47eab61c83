package server

import (
	"context"
	"errors"
	"time"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

// TriggerSchedule asks for a scheduled (full) sweep, as a schedule tick does. It
// returns false, and logs why, when one is already pending or running, or the
// server is shutting down: the tick is skipped, never queued behind it. A
// webhook sweep that is running does not skip it: the scheduled sweep runs next.
func (s *Server) TriggerSchedule() bool {
	s.fullMu.Lock()
	state, closing := s.full, s.stopping.Load()
	if state == idle && !closing {
		s.full = pending
		s.fullReq <- struct{}{} // never blocks: there is one request at most
	}
	s.fullMu.Unlock()
	switch {
	case state != idle:
		why := map[fullState]string{pending: "waiting for its turn", running: "running"}[state]
		s.log.Warn("scheduled sweep skipped: the previous one is still "+why, "trigger", TriggerSchedule)
		s.m.sweeps.WithLabelValues(TriggerSchedule, OutcomeSkipped).Inc()
		s.observe(Event{Kind: Skipped, Trigger: TriggerSchedule, Outcome: OutcomeSkipped})
		return false
	case closing:
		return false
	}
	return true
}

// tick triggers a scheduled sweep at each time of the schedule until ctx is done.
func (s *Server) tick(ctx context.Context) {
	for {
		now := s.o.Now()
		next, ok := s.serve.Next(now)
		if !ok || next.IsZero() {
			return
		}
		s.log.Info("next scheduled sweep", "at", next)
		select {
		case <-ctx.Done():
			return
		case <-s.o.After(next.Sub(now)):
		}
		s.TriggerSchedule()
	}
}

// work runs the sweeps one at a time until ctx is done, then gives up what is
// still waiting.
func (s *Server) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			s.giveUp()
			return
		case <-s.fullReq:
			if ctx.Err() != nil {
				s.setFull(idle)
				s.dropped(TriggerSchedule, "")
				s.giveUp()
				return
			}
			s.setFull(running)
			s.sweep(ctx, TriggerSchedule, nil)
			s.setFull(idle)
		case j := <-s.q.ch:
			s.q.taken(j)
			if ctx.Err() != nil {
				s.dropped(TriggerWebhook, j.ref.String())
				s.giveUp()
				return
			}
			s.sweep(ctx, TriggerWebhook, &j.ref)
		}
	}
}

func (s *Server) setFull(st fullState) {
	s.fullMu.Lock()
	defer s.fullMu.Unlock()
	s.full = st
}

// giveUp closes the queue and logs each sweep that will not run: the next
// scheduled sweep (or a redelivery) does their work.
func (s *Server) giveUp() {
	for _, j := range s.q.close() {
		s.dropped(TriggerWebhook, j.ref.String())
	}
	s.fullMu.Lock() // against a TriggerSchedule that began before stopping was set
	wasPending := false
	select {
	case <-s.fullReq:
		s.full, wasPending = idle, true
	default:
	}
	s.fullMu.Unlock()
	if wasPending {
		s.dropped(TriggerSchedule, "")
	}
}

func (s *Server) dropped(trigger, pr string) {
	s.log.Warn("sweep not run: shutting down", "trigger", trigger, "pr", pr)
	s.m.sweeps.WithLabelValues(trigger, OutcomeDropped).Inc()
	s.observe(Event{Kind: Dropped, Trigger: trigger, PR: pr, Outcome: OutcomeDropped})
}

// sweep runs one sweep, plan then apply as `prsweep run` does, scoped to ref
// when it is set, and reports it: the report to Stdout (and the history), one
// summary line to the log, the metrics. The report streams (sweepReport): the
// sweep's items are not held.
func (s *Server) sweep(ctx context.Context, trigger string, ref *scm.Ref) {
	sw, pr := s.sweeper(ref)
	log := s.log.With("trigger", trigger)
	if pr != "" {
		log = log.With("pr", pr)
	}
	s.observe(Event{Kind: Started, Trigger: trigger, PR: pr})
	log.Info("sweep started")
	start := s.o.Now()
	rep := s.newSweepReport(ref)
	sw.Sink = rep.add
	if s.sweeping != nil {
		s.sweeping(sw)
	}
	sctx, cancel := sw.Context(ctx)
	res, err := sw.Run(sctx, s.o.DryRun)
	cancel()
	end := s.o.Now()
	rep.add(res.Items) // none with a Sink; what Run returns goes in the report all the same

	ev := Event{Kind: Finished, Trigger: trigger, PR: pr, Err: err}
	var kept *atomicFile // the report's file in the history, when it keeps them
	var limit *plan.LimitError
	switch {
	case err != nil && !errors.As(err, &limit):
		rep.discard()
		ev.Outcome = OutcomeError
		log.Error("sweep failed", "error", err, "duration", end.Sub(start))
	default:
		if s.hist.dir != "" {
			kept = s.hist.newReport()
		}
		var werr error
		if kept, werr = rep.write(kept); werr != nil {
			log.Error("writing the report failed", "error", werr)
		}
		sum := rep.summary()
		ev.Summary = &sum
		ev.Outcome = OutcomeOK
		switch {
		case limit != nil:
			ev.Outcome = OutcomeLimit
		case sum.Failed > 0:
			ev.Outcome = OutcomeFailures
		}
		s.countTags(rep.tags)
		log.Info("sweep finished", "outcome", ev.Outcome, "dryRun", res.DryRun, "deleted", sum.Deleted,
			"preserved", sum.Preserved, "failed", sum.Failed, "manifests", sum.Manifests, "duration", end.Sub(start))
		if limit != nil {
			log.Warn("a safety limit stopped the sweep before any deletion", "error", err)
		}
	}
	s.m.sweeps.WithLabelValues(trigger, ev.Outcome).Inc()
	s.m.lastTime.WithLabelValues(trigger).Set(unix(end))
	s.m.lastDuration.WithLabelValues(trigger).Set(end.Sub(start).Seconds())
	if ev.Outcome == OutcomeOK {
		s.m.lastSuccess.WithLabelValues(trigger).Set(unix(end))
	}
	s.remember(ev, start, end, res.DryRun, kept)
	s.observe(ev)
}

// sweeper is this sweep's copy of the Sweeper, scoped to ref when it is set:
// its Sink is this sweep's report, never set on the shared one.
func (s *Server) sweeper(ref *scm.Ref) (*sweep.Sweeper, string) {
	if ref != nil {
		return s.sw.ForPR(*ref), ref.String()
	}
	c := *s.sw
	return &c, ""
}

// countTags adds a sweep's tags to prsweep_tags_total: sum is
// report.Summarize(items, false), deleted only when the deletion happened.
func (s *Server) countTags(sum report.Summary) {
	s.m.tags.WithLabelValues("deleted").Add(float64(sum.Deleted))
	s.m.tags.WithLabelValues("kept").Add(float64(sum.Preserved))
	s.m.tags.WithLabelValues("failed").Add(float64(sum.Failed))
}

func (s *Server) observe(ev Event) {
	if s.o.Observe != nil {
		s.o.Observe(ev)
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
