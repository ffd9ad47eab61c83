package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// ErrCredentials means the registry refused the credentials before anything was
// deleted (exit code 2).
var ErrCredentials = errors.New("credentials refused")

// Sweeper runs sweeps of one registry.
type Sweeper struct {
	Registry     registry.Backend
	Providers    map[string]scm.Provider
	Policy       policy.Policy
	Repositories []string // globs
	MaxDeletions int
	Concurrency  int
	Timeout      time.Duration // whole-sweep deadline, applied by Context; 0 = none
	Now          func() time.Time
	Logger       *slog.Logger
}

// Result is what a sweep decided and did.
type Result struct {
	DryRun bool
	Items  []plan.Item
}

// Run sweeps once. A dry run stops after the plan. The error is ErrCredentials or a
// *plan.LimitError (nothing was deleted; the items say why), or a failure that kept
// the sweep from looking at anything.
func (s *Sweeper) Run(ctx context.Context, dryRun bool) (Result, error) {
	res := Result{DryRun: dryRun}
	log := s.logger()
	repos, err := discover.Repositories(ctx, s.Registry, s.Repositories)
	if err != nil {
		if errors.Is(err, registry.ErrUnauthorized) {
			return res, fmt.Errorf("%w: %w", ErrCredentials, err)
		}
		return res, err
	}
	log.Info("repositories selected", "count", len(repos))
	listings := discover.Tags(ctx, s.Registry, repos, s.Concurrency)
	if allUnauthorized(listings) {
		return res, fmt.Errorf("%w: %w", ErrCredentials, listings[0].Err)
	}

	res.Items = s.decide(ctx, listings)
	if plan.Deletions(res.Items) > 0 {
		plan.Guard(res.Items, s.inspect(ctx, res.Items))
	}
	if err := plan.Enforce(res.Items, s.MaxDeletions); err != nil {
		return res, err
	}
	log.Info("plan made", "tags", len(res.Items), "deletions", plan.Deletions(res.Items))
	if dryRun {
		return res, nil
	}
	apply.Applier{Registry: s.Registry, Concurrency: s.Concurrency, Logger: log}.Apply(ctx, res.Items)
	return res, nil
}

// decide matches every tag, reads the states it needs, and decides each tag.
func (s *Sweeper) decide(ctx context.Context, listings []discover.Repository) []plan.Item {
	type tagMatch struct {
		repo, tag string
		m         policy.Match
	}
	var items []plan.Item
	var matches []tagMatch
	var refs []scm.Ref
	for _, l := range listings {
		if l.Err != nil {
			items = append(items, plan.Item{Repository: l.Name, Tag: "*", Action: policy.Keep,
				Reason: "listing was incomplete: nothing in this repository is deleted", Error: l.Err.Error()})
			continue
		}
		for _, tag := range l.Tags {
			m := s.Policy.Match(l.Name, tag)
			matches = append(matches, tagMatch{l.Name, tag, m})
			if m.NeedsLookup() {
				refs = append(refs, m.Ref)
			}
		}
	}
	states := resolve.Resolver{Providers: s.Providers, Concurrency: s.Concurrency, Now: s.Now, Logger: s.logger()}.States(ctx, refs)
	now := s.now()
	for _, tm := range matches {
		var st scm.Status
		if tm.m.NeedsLookup() {
			st = states[tm.m.Ref]
		}
		d := s.Policy.Decide(tm.m, st, now)
		it := plan.Item{Repository: tm.repo, Tag: tm.tag, Action: d.Action, Reason: d.Reason, PR: tm.m.PR, State: st.State}
		if tm.m.NeedsLookup() && st.State == scm.Unknown {
			it.Error = st.Error
		}
		items = append(items, it)
	}
	return items
}

// inspect reads, for each repository with a deletion, every tag's manifest and how
// the registry deletes: what plan needs to keep safety rule 2.
func (s *Sweeper) inspect(ctx context.Context, items []plan.Item) map[string]plan.Repo {
	tagsOf := map[string][]string{}
	deletes := map[string]bool{}
	for _, it := range items {
		tagsOf[it.Repository] = append(tagsOf[it.Repository], it.Tag)
		if it.Action == policy.Delete {
			deletes[it.Repository] = true
		}
	}
	out := map[string]plan.Repo{}
	for repo := range deletes {
		var r plan.Repo
		r.Caps, r.CapsErr = s.Registry.Capabilities(ctx, repo)
		if r.CapsErr == nil {
			r.Manifests, r.Unresolved = discover.Manifests(ctx, s.Registry, repo, tagsOf[repo], s.Concurrency)
		}
		out[repo] = r
	}
	return out
}

func allUnauthorized(ls []discover.Repository) bool {
	for _, l := range ls {
		if l.Err == nil || !errors.Is(l.Err, registry.ErrUnauthorized) {
			return false
		}
	}
	return len(ls) > 0
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
