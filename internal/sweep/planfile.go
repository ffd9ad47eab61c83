package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/resolve"
)

// runLimited is Run under a safety limit, which weighs the whole plan before
// anything is deleted: the plan is spooled, the limits checked on its counts, and
// then each repository is carried out from the spool, several at once.
func (s *Sweeper) runLimited(ctx context.Context, dryRun bool) (Result, error) {
	sp, err := s.spoolPlan(ctx)
	defer sp.close()
	if err != nil && !plan.IsLimit(err) {
		return Result{DryRun: dryRun}, err
	}
	out := s.collector()
	if err != nil || dryRun {
		if rerr := sp.each(out.take); rerr != nil {
			return Result{DryRun: dryRun}, rerr
		}
		return out.result(dryRun), err
	}
	err = s.applySpool(ctx, sp, out.take)
	return out.result(false), err
}

// WritePlan decides every tag and writes the plan file to w, a repository at a
// time from a spool; each repository's items go to Sink too. Over a safety limit
// the plan keeps everything, naming the limit, and the *plan.LimitError is
// returned with it.
func (s *Sweeper) WritePlan(ctx context.Context, w io.Writer) (Result, error) {
	head := plan.Head{CreatedAt: s.now().UTC(), Registry: s.Host}
	sp, err := s.spoolPlan(ctx)
	defer sp.close()
	if err != nil && !plan.IsLimit(err) {
		return Result{DryRun: true}, err
	}
	fw := plan.NewFileWriter(w, head)
	out := s.collector()
	rerr := sp.each(func(items []plan.Item) {
		fw.Write(items...)
		out.take(items)
	})
	if werr := fw.Close(); rerr == nil {
		rerr = werr
	}
	if rerr != nil {
		return Result{DryRun: true}, rerr
	}
	return out.result(true), err
}

// SavedPlan is a plan file read whole, checked and decided again, waiting on
// disk (a spool) to be carried out: ReadPlan, Apply, Close.
type SavedPlan struct {
	s  *Sweeper
	sp *spool
}

// ReadPlan reads the saved plan fr reads, a repository at a time, holding a few
// repositories' items at once: every repository is checked and decided again
// (safety rules 1 and 5), so that a plan file bad anywhere deletes nothing
// (plan.ErrBadPlan); then the safety limits weigh the whole (OverLimit).
func (s *Sweeper) ReadPlan(ctx context.Context, fr *plan.FileReader) (*SavedPlan, error) {
	sp := &spool{}
	cache := s.newCache()
	for {
		items, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			sp.close()
			return nil, err
		}
		s.redecide(ctx, items, cache)
		sp.add(items)
	}
	sp.enforce(s.Limits)
	return &SavedPlan{s: s, sp: sp}, nil
}

// OverLimit returns the *plan.LimitError the plan exceeds, if any: Apply then
// deletes nothing.
func (p *SavedPlan) OverLimit() error { return p.sp.limit }

// Apply carries out the plan, several repositories at once, each repository's
// items going to Sink when done. Over a safety limit it deletes nothing: every
// item comes back kept, naming the limit, with the *plan.LimitError.
func (p *SavedPlan) Apply(ctx context.Context) (Result, error) {
	s, out := p.s, p.s.collector()
	if p.sp.limit != nil {
		if err := p.sp.each(out.take); err != nil {
			return Result{}, err
		}
		return out.result(false), p.sp.limit
	}
	for repo, t := range p.sp.perRepo {
		s.progress().Planned(repo, t.Planned)
	}
	err := s.applySpool(ctx, p.sp, out.take)
	return out.result(false), err
}

// Close removes the spool.
func (p *SavedPlan) Close() { p.sp.close() }

// spoolPlan decides every tag into a spool and checks the safety limits on it.
// The error is ErrCredentials (the spool is empty) or a *plan.LimitError.
func (s *Sweeper) spoolPlan(ctx context.Context) (*spool, error) {
	sp := &spool{}
	items, err := s.sweep(ctx, false, sp.add)
	if err != nil {
		return sp, err
	}
	sp.add(items) // a failure to list the repositories comes back, not through the sink
	if err := sp.enforce(s.Limits); err != nil {
		return sp, err
	}
	s.logger().Info("plan made", "tags", sp.total.Seen, "deletions", sp.total.Planned)
	return sp, nil
}

// applySpool carries out a spooled plan a repository at a time, several at once
// within the bound of tags in flight, and hands each repository's items to done.
func (s *Sweeper) applySpool(ctx context.Context, sp *spool, done func([]plan.Item)) error {
	g := errgroup.Group{}
	g.SetLimit(max(s.Concurrency, 1))
	budget := semaphore.NewWeighted(tagsInFlight)
	err := sp.each(func(items []plan.Item) {
		n := min(int64(len(items)), tagsInFlight)
		if budget.Acquire(ctx, n) != nil {
			n = 0 // the sweep is ending: the applier records that on each item
		}
		planned := plan.Deletions(items)
		g.Go(func() error {
			defer budget.Release(n)
			ptrs := make([]*plan.Item, len(items))
			for i := range items {
				ptrs[i] = &items[i]
			}
			s.applier(false).ApplyRepo(ctx, items[0].Repository, ptrs)
			s.applied(items[0].Repository, planned, items)
			done(items)
			return nil
		})
	})
	_ = g.Wait()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPartial, err)
	}
	return nil
}

// newCache is the pull-request states of one sweep: each read once.
func (s *Sweeper) newCache() *resolve.Cache {
	return resolve.NewCache(resolve.Resolver{Providers: s.Providers, Concurrency: s.Concurrency, Now: s.Now, Logger: s.logger()})
}

// collector hands each repository's items to the Sink, or keeps them for the
// Result when there is none.
type collector struct {
	sink  func([]plan.Item)
	mu    sync.Mutex
	items []plan.Item
}

func (s *Sweeper) collector() *collector { return &collector{sink: s.Sink} }

func (c *collector) take(items []plan.Item) {
	if c.sink != nil {
		c.sink(items)
		return
	}
	c.mu.Lock()
	c.items = append(c.items, items...)
	c.mu.Unlock()
}

func (c *collector) result(dryRun bool) Result {
	plan.Sort(c.items)
	return Result{DryRun: dryRun, Items: c.items}
}
