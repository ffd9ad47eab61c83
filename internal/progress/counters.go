package progress

import (
	"sync"
	"sync/atomic"
)

// Counters count what a sweep has done so far. They satisfy sweep.Progress and
// are safe for concurrent use; the zero value is ready.
type Counters struct {
	repos, listed, decided, planned, deleted atomic.Int64

	mu  sync.Mutex
	prs map[string]struct{} // pull requests whose state was read: one PR may span repositories
}

// Snapshot is the counters at one moment.
type Snapshot struct {
	Repositories, Listed int64 // repositories selected, and listed so far
	Decided              int64 // tags decided
	PRs                  int64 // distinct pull requests whose state was read
	Planned, Deleted     int64 // tag deletions planned, and carried out
}

// Selected records how many repositories the sweep covers.
func (c *Counters) Selected(repos int) { c.repos.Store(int64(repos)) }

// Listed records one repository's listing.
func (c *Counters) Listed(_ string, _ int) { c.listed.Add(1) }

// Decided records one repository's tags decided and the pull requests read for them.
func (c *Counters) Decided(_ string, tags int, prs []string) {
	c.decided.Add(int64(tags))
	if len(prs) == 0 {
		return
	}
	c.mu.Lock()
	if c.prs == nil {
		c.prs = map[string]struct{}{}
	}
	for _, pr := range prs {
		c.prs[pr] = struct{}{}
	}
	c.mu.Unlock()
}

// Planned records one repository's planned tag deletions.
func (c *Counters) Planned(_ string, deletions int) { c.planned.Add(int64(deletions)) }

// Applied records one repository's deletions carried out.
func (c *Counters) Applied(_ string, _, deleted int) { c.deleted.Add(int64(deleted)) }

// Snapshot reads the counters.
func (c *Counters) Snapshot() Snapshot {
	c.mu.Lock()
	prs := len(c.prs)
	c.mu.Unlock()
	return Snapshot{
		Repositories: c.repos.Load(), Listed: c.listed.Load(), Decided: c.decided.Load(),
		PRs: int64(prs), Planned: c.planned.Load(), Deleted: c.deleted.Load(),
	}
}
