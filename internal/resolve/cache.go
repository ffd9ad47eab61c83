package resolve

import (
	"context"
	"sync"

	"github.com/prsweep/prsweep/internal/scm"
)

// Cache reads each pull request once per sweep, as repositories ask for them: many
// repositories in flight share it, and a pull request asked for twice at once is
// read once. At most Concurrency reads run at once across all callers.
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
	for _, ref := range refs {
		if _, ok := mine[ref]; ok {
			continue
		}
		c.mu.Lock()
		e, ok := c.seen[ref]
		if !ok {
			e = &entry{done: make(chan struct{})}
			c.seen[ref] = e
			go c.read(ctx, ref, e)
		}
		c.mu.Unlock()
		mine[ref] = e
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
