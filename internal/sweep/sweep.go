package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// tagsInFlight bounds the tags of the repositories being decided and deleted at
// once: a sweep's memory follows them (items, manifests), not the registry's size.
// A repository of more tags goes alone.
const tagsInFlight = 40_000

// ErrCredentials means the registry refused the credentials before anything was
// deleted (exit code 2).
var ErrCredentials = errors.New("credentials refused")

// ErrPartial means a sweep stopped part-way through carrying out its plan (its
// spool could not be read back): the items it returns are what was done, and
// must be reported.
var ErrPartial = errors.New("the sweep stopped part-way")

// Sweeper runs sweeps of one registry.
type Sweeper struct {
	Registry     registry.Backend
	Host         string // the registry's host[:port], recorded in plans
	Providers    map[string]scm.Provider
	Policy       policy.Policy
	Repositories []string // globs
	Limits       plan.Limits
	Graph        plan.Graph
	Concurrency  int
	Timeout      time.Duration // whole-sweep deadline, applied by Context; 0 = none
	AuditPath    string        // the configured audit log; the caller opens it into Audit
	Audit        *audit.Log    // journals each deletion when set
	Now          func() time.Time
	Logger       *slog.Logger
	Progress     Progress       // told how the sweep advances (progress.go); nil: nothing
	Limiter      *httpx.Limiter // the request budget the adapters share; its Stats count requests
	// Sink, when set, takes each repository's items as the repository is done, and
	// Run, WritePlan and SavedPlan.Apply return none: a report streams, and memory holds
	// the repositories in flight, not every tag (with a safety limit, the whole
	// plan waits in a spool on disk, not in memory). It is called from several
	// goroutines at once.
	Sink func([]plan.Item)

	only    *scm.Ref // set by ForPR: the one pull request this sweep may delete for
	readAll bool     // set by Explain: read every tag of a repository with deletions, to show its digest
}

// Result is what a sweep decided and did.
type Result struct {
	DryRun bool
	Items  []plan.Item
}

// Run sweeps once. Each repository goes list → decide → inspect → guard → delete on
// its own, several at once, so that a slow repository holds no other; only a
// safety limit makes every repository wait for the whole plan before deleting (the
// plan is spooled: runLimited). A dry run is the plan. The error is ErrCredentials
// or a *plan.LimitError (nothing was deleted; the items say why), or a failure that
// kept the sweep from looking at anything.
func (s *Sweeper) Run(ctx context.Context, dryRun bool) (Result, error) {
	if s.Limits != (plan.Limits{}) {
		return s.runLimited(ctx, dryRun)
	}
	items, err := s.sweep(ctx, !dryRun, s.Sink)
	return s.result(dryRun, items), err
}

// result hands items to the Sink, if any, or returns them.
func (s *Sweeper) result(dryRun bool, items []plan.Item) Result {
	if s.Sink != nil {
		s.Sink(items)
		return Result{DryRun: dryRun}
	}
	return Result{DryRun: dryRun, Items: items}
}

// Plan decides every tag and what goes with the deleted ones, deleting nothing.
func (s *Sweeper) Plan(ctx context.Context) (plan.Plan, error) {
	p := plan.Plan{Schema: plan.Schema, CreatedAt: s.now().UTC(), Registry: s.Host}
	items, err := s.sweep(ctx, false, nil)
	p.Items = items
	if err != nil {
		return p, err
	}
	if err := plan.Enforce(p.Items, s.Limits); err != nil {
		return p, err
	}
	s.logger().Info("plan made", "tags", len(p.Items), "deletions", plan.Deletions(p.Items))
	return p, nil
}

// Apply carries out the delete items of a plan held whole, re-reading each tag
// first. ApplyPlan does it a repository at a time from a plan file.
func (s *Sweeper) Apply(ctx context.Context, items []plan.Item) {
	s.applier(false).Apply(ctx, items)
}

func (s *Sweeper) applier(fresh bool) apply.Applier {
	return apply.Applier{Registry: s.Registry, Concurrency: s.Concurrency, Logger: s.logger(), Audit: s.Audit, Host: s.Host, Fresh: fresh}
}

// sweep runs every selected repository through the pipeline, deleting as each
// repository's plan is made when del is set. Items come back sorted, or go to
// sink (when not nil) as each repository is done.
func (s *Sweeper) sweep(ctx context.Context, del bool, sink func([]plan.Item)) ([]plan.Item, error) {
	log := s.logger()
	repos, err := discover.Repositories(ctx, s.Registry, s.Repositories)
	switch {
	case errors.Is(err, registry.ErrUnauthorized):
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	case err != nil:
		// Nothing can be decided; the report says why, under Failed.
		return []plan.Item{{Repository: "*", Tag: "*", Action: policy.Keep,
			Reason: "the repositories could not be listed: nothing is deleted", Error: err.Error()}}, nil
	}
	log.Info("repositories selected", "count", len(repos))
	s.progress().Selected(len(repos))
	cache := s.newCache()
	past := s.readJournal()
	perRepo := make([][]plan.Item, len(repos))
	listErrs := make([]error, len(repos))
	g := errgroup.Group{}
	g.SetLimit(max(s.Concurrency, 1)) // repositories in flight: memory grows with them, not with tags
	budget := semaphore.NewWeighted(tagsInFlight)
	for i, name := range repos {
		g.Go(func() error {
			items, err := s.sweepRepo(ctx, name, cache, past, del, budget)
			if listErrs[i] = err; sink != nil {
				sink(items)
			} else {
				perRepo[i] = items
			}
			return nil
		})
	}
	_ = g.Wait()
	if allUnauthorized(listErrs) {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, listErrs[0])
	}
	var items []plan.Item
	for _, ri := range perRepo {
		items = append(items, ri...)
	}
	plan.Sort(items)
	return items, nil
}

// sweepRepo is one repository's pass. It returns the listing's error, if any.
func (s *Sweeper) sweepRepo(ctx context.Context, name string, cache *resolve.Cache, past journal, del bool, budget *semaphore.Weighted) ([]plan.Item, error) {
	l := discover.List(ctx, s.Registry, name)
	s.progress().Listed(name, len(l.Tags))
	if l.Err != nil {
		return []plan.Item{{Repository: name, Tag: "*", Action: policy.Keep,
			Reason: "listing was incomplete: nothing in this repository is deleted", Error: l.Err.Error()}}, l.Err
	}
	n := min(int64(len(l.Tags)), tagsInFlight)
	if budget.Acquire(ctx, n) != nil {
		n = 0 // the sweep is ending: what follows fails on its own
	}
	defer budget.Release(n)
	items := s.decide(ctx, l, cache)
	s.decided(name, items)
	if plan.Deletions(items) == 0 && !past.orphans(l) {
		return items, nil
	}
	repos := map[string]plan.Repo{name: s.inspect(ctx, l, items, past[name])}
	s.checkAges(ctx, items, repos)
	plan.Guard(items, repos)
	items = plan.Expand(items, repos, s.Graph)
	planned := plan.Deletions(items)
	s.progress().Planned(name, planned)
	if del {
		ptrs := make([]*plan.Item, len(items))
		for i := range items {
			ptrs[i] = &items[i]
		}
		s.applier(true).ApplyRepo(ctx, name, ptrs)
		s.applied(name, planned, items)
	}
	return items, nil
}

// checkAges keeps the deletions of images younger than their rule's minAge.
func (s *Sweeper) checkAges(ctx context.Context, items []plan.Item, repos map[string]plan.Repo) {
	now := s.now()
	for i := range items {
		if it := &items[i]; s.aged(*it) {
			m, ok := repos[it.Repository].Manifests[it.Tag]
			s.keepYoung(ctx, it, m, ok, now) // redecide_age.go: one rule for sweeps and saved plans
		}
	}
}

func allUnauthorized(errs []error) bool {
	for _, err := range errs {
		if err == nil || !errors.Is(err, registry.ErrUnauthorized) {
			return false
		}
	}
	return len(errs) > 0
}

func (s *Sweeper) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Sweeper) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
