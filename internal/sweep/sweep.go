package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

// ErrCredentials means the registry refused the credentials before anything was
// deleted (exit code 2).
var ErrCredentials = errors.New("credentials refused")

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

	only *scm.Ref // set by ForPR: the one pull request this sweep may delete for
}

// Result is what a sweep decided and did.
type Result struct {
	DryRun bool
	Items  []plan.Item
}

// Run sweeps once: plan, then, unless dryRun, apply. The error is ErrCredentials or
// a *plan.LimitError (nothing was deleted; the items say why), or a failure that kept
// the sweep from looking at anything.
func (s *Sweeper) Run(ctx context.Context, dryRun bool) (Result, error) {
	p, err := s.Plan(ctx)
	if err != nil || dryRun {
		return Result{DryRun: dryRun, Items: p.Items}, err
	}
	s.Apply(ctx, p.Items)
	return Result{Items: p.Items}, nil
}

// Plan decides every tag and what goes with the deleted ones, deleting nothing.
func (s *Sweeper) Plan(ctx context.Context) (plan.Plan, error) {
	p := plan.Plan{Schema: plan.Schema, CreatedAt: s.now().UTC(), Registry: s.Host}
	log := s.logger()
	repos, err := discover.Repositories(ctx, s.Registry, s.Repositories)
	switch {
	case errors.Is(err, registry.ErrUnauthorized):
		return p, fmt.Errorf("%w: %w", ErrCredentials, err)
	case err != nil:
		// Nothing can be decided; the report says why, under Failed.
		p.Items = []plan.Item{{Repository: "*", Tag: "*", Action: policy.Keep,
			Reason: "the repositories could not be listed: nothing is deleted", Error: err.Error()}}
		return p, nil
	}
	log.Info("repositories selected", "count", len(repos))
	listings := discover.Tags(ctx, s.Registry, repos, s.Concurrency)
	if allUnauthorized(listings) {
		return p, fmt.Errorf("%w: %w", ErrCredentials, listings[0].Err)
	}
	p.Items = s.decide(ctx, listings)
	if plan.Deletions(p.Items) > 0 {
		inspected := s.inspect(ctx, p.Items)
		s.checkAges(ctx, p.Items, inspected)
		plan.Guard(p.Items, inspected)
		p.Items = plan.Expand(p.Items, inspected, s.Graph)
	}
	plan.Sort(p.Items)
	if err := plan.Enforce(p.Items, s.Limits); err != nil {
		return p, err
	}
	log.Info("plan made", "tags", len(p.Items), "deletions", plan.Deletions(p.Items))
	return p, nil
}

// Apply carries out the delete items of a plan whose states were read in this run.
func (s *Sweeper) Apply(ctx context.Context, items []plan.Item) {
	apply.Applier{Registry: s.Registry, Concurrency: s.Concurrency, Logger: s.logger(), Audit: s.Audit, Host: s.Host}.Apply(ctx, items)
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
			r.Referrers = s.referrers(ctx, repo, items, r.Manifests)
		}
		out[repo] = r
	}
	return out
}

// referrers asks the referrers API about each image a deletion may orphan. A
// failure only leaves those referrers in place: it is logged, nothing breaks.
func (s *Sweeper) referrers(ctx context.Context, repo string, items []plan.Item, manifests map[string]registry.Manifest) map[string][]string {
	lister, ok := s.Registry.(registry.ReferrerLister)
	if !ok || s.Graph.KeepReferrers {
		return nil
	}
	out := map[string][]string{}
	asked := map[string]bool{}
	for _, it := range items {
		m, found := manifests[it.Tag]
		if it.Repository != repo || it.Action != policy.Delete || !found || asked[m.Digest] {
			continue
		}
		asked[m.Digest] = true
		refs, err := lister.Referrers(ctx, repo, m.Digest)
		if err != nil {
			s.logger().Warn("referrers not listed; they stay", "image", it.Ref(), "error", err)
			continue
		}
		out[m.Digest] = refs
	}
	return out
}

// checkAges keeps the deletions of images younger than their rule's minAge.
func (s *Sweeper) checkAges(ctx context.Context, items []plan.Item, repos map[string]plan.Repo) {
	ager, _ := s.Registry.(registry.Ager)
	now := s.now()
	for i := range items {
		it := &items[i]
		if it.Action != policy.Delete || it.Rule == 0 || s.Policy.Rules[it.Rule-1].MinAge <= 0 {
			continue
		}
		var created time.Time
		if m, ok := repos[it.Repository].Manifests[it.Tag]; ok && ager != nil {
			var err error
			if created, err = ager.Created(ctx, it.Repository, m); err != nil {
				it.Action, it.Error = policy.Keep, "reading the image's creation time: "+err.Error()
				continue
			}
		}
		if ok, why := s.Policy.OldEnough(it.Rule-1, created, now); !ok {
			it.Action, it.Reason = policy.Keep, it.Reason+"; kept: "+why
		}
	}
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
