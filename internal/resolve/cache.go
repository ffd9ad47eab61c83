package resolve

import (
	"context"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// Cache reads each pull request once per sweep, as repositories ask for them: many
// repositories in flight share it, and a pull request asked for twice at once is
// read once. At most Concurrency reads run at once across all callers. Where a
// source is an scm.Batcher, the pull requests one call asks for first are read in
// one batch (one read of the budget: the provider splits it into requests of the
// size its API allows), and those the batch did not answer are read alone.
type Cache struct {
	r    Resolver
	sem  chan struct{}
	mu   sync.Mutex
	seen map[scm.Ref]*entry
}

type entry struct {
	done chan struct{}
	st   scm.Status
}

// NewCache returns an empty cache reading through r.
func NewCache(r Resolver) *Cache {
	return &Cache{r: r, sem: make(chan struct{}, max(r.Concurrency, 1)), seen: map[scm.Ref]*entry{}}
}

// States returns a status for every ref, reading those no caller has asked for yet.
func (c *Cache) States(ctx context.Context, refs []scm.Ref) map[scm.Ref]scm.Status {
	mine := map[scm.Ref]*entry{}
	batches := map[string][]scm.Ref{} // by source: refs this call is first to ask for
	var alone []scm.Ref               // the same, from sources read one pull request at a time
	for _, ref := range refs {
		if _, ok := mine[ref]; ok {
			continue
		}
		c.mu.Lock()
		e, ok := c.seen[ref]
		if !ok {
			e = &entry{done: make(chan struct{})}
			c.seen[ref] = e
			if _, batcher := c.r.Providers[ref.Source].(scm.Batcher); batcher {
				batches[ref.Source] = append(batches[ref.Source], ref)
			} else {
				alone = append(alone, ref)
			}
		}
		c.mu.Unlock()
		mine[ref] = e
	}
	for _, ref := range alone {
		c.start(ctx, ref, mine[ref])
	}
	for source, refs := range batches {
		if len(refs) == 1 {
			go c.read(ctx, refs[0], mine[refs[0]]) // a batch of one costs what a read does
			continue
		}
		entries := make([]*entry, len(refs))
		for i, ref := range refs {
			entries[i] = mine[ref]
		}
		go c.readBatch(ctx, c.r.Providers[source].(scm.Batcher), refs, entries)
	}
	out := make(map[scm.Ref]scm.Status, len(mine))
	for ref, e := range mine {
		select {
		case <-e.done:
			out[ref] = e.st
		case <-ctx.Done():
			out[ref] = scm.Status{State: scm.Unknown, Error: "not read: " + ctx.Err().Error()}
		}
	}
	return out
}

// start reads ref once a read slot is free. The caller waits for the slot, so
// that a repository with thousands of new pull requests does not start a
// goroutine (and its stack) for each while they wait their turn.
func (c *Cache) start(ctx context.Context, ref scm.Ref, e *entry) {
	select {
	case c.sem <- struct{}{}:
		go func() {
			defer close(e.done)
			defer func() { <-c.sem }()
			e.st = c.r.read(ctx, ref)
		}()
	case <-ctx.Done():
		e.st = scm.Status{State: scm.Unknown, Error: "not read: " + ctx.Err().Error()}
		close(e.done)
	}
}

func (c *Cache) read(ctx context.Context, ref scm.Ref, e *entry) {
	defer close(e.done)
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
		e.st = c.r.read(ctx, ref)
	case <-ctx.Done():
		e.st = scm.Status{State: scm.Unknown, Error: "not read: " + ctx.Err().Error()}
	}
}

// readBatch reads refs in one batch; a ref the batch did not answer with a state
// (open, merged or closed) is read alone: absence from a batch is never a state,
// and neither is a batch's "missing", which only a read of that pull request may say.
func (c *Cache) readBatch(ctx context.Context, b scm.Batcher, refs []scm.Ref, entries []*entry) {
	var got map[scm.Ref]scm.Status
	select {
	case c.sem <- struct{}{}:
		func() {
			defer func() { <-c.sem }()
			got = b.States(ctx, refs)
		}()
	case <-ctx.Done():
		for _, e := range entries {
			e.st = scm.Status{State: scm.Unknown, Error: "not read: " + ctx.Err().Error()}
			close(e.done)
		}
		return
	}
	now := c.r.now()
	for i, ref := range refs {
		st, ok := got[ref]
		if !ok || (st.State != scm.Open && st.State != scm.Merged && st.State != scm.Closed) {
			go c.read(ctx, ref, entries[i])
			continue
		}
		st.Error = ""
		if st.ReadAt.IsZero() {
			st.ReadAt = now
		}
		if c.r.Logger != nil {
			c.r.Logger.Debug("pull request read", "ref", ref.String(), "state", st.State, "batch", len(refs))
		}
		entries[i].st = st
		close(entries[i].done)
	}
}

// now is the resolver's clock.
func (r Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
