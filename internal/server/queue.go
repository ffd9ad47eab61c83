package server

import (
	"container/list"
	"sync"

	"github.com/prsweep/prsweep/internal/scm"
)

// job is one webhook's scoped sweep, waiting for its turn.
type job struct {
	ref      scm.Ref
	delivery string // the event id it came with, for the logs
}

// enqueued is what became of a delivery.
type enqueued int

const (
	queued    enqueued = iota // a sweep is waiting (or was already waiting) for each PR
	duplicate                 // the delivery was seen before: nothing to do
	full                      // no room: nothing was queued, the delivery was not recorded
	stopping                  // the server is shutting down
)

// queue holds webhook jobs, at most cap(ch), and remembers the deliveries it took
// so that a redelivery is processed once. A job for a pull request that already
// has one waiting is folded into it.
type queue struct {
	ch chan job

	mu      sync.Mutex
	closed  bool
	pending map[scm.Ref]bool
	seen    *lru
}

func newQueue(size, remember int) *queue {
	return &queue{ch: make(chan job, size), pending: map[scm.Ref]bool{}, seen: newLRU(remember)}
}

// add queues a sweep for each of refs, all or none. delivery may be "" when the
// payload has no id: it is then never taken for a duplicate.
func (q *queue) add(delivery string, refs []scm.Ref) enqueued {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return stopping
	case delivery != "" && q.seen.has(delivery):
		return duplicate
	}
	var fresh []scm.Ref
	for _, r := range refs {
		if !q.pending[r] {
			fresh = append(fresh, r)
		}
	}
	// Only add sends, under q.mu, so the room seen here is there when sending.
	if len(q.ch)+len(fresh) > cap(q.ch) {
		return full
	}
	for _, r := range fresh {
		q.pending[r] = true
		q.ch <- job{ref: r, delivery: delivery}
	}
	if delivery != "" {
		q.seen.add(delivery)
	}
	return queued
}

// taken marks a job received from ch as running: a later delivery for the same
// pull request queues a new sweep.
func (q *queue) taken(j job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.pending, j.ref)
}

// close refuses every later add and returns the jobs still waiting.
func (q *queue) close() []job {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	var left []job
	for {
		select {
		case j := <-q.ch:
			delete(q.pending, j.ref)
			left = append(left, j)
		default:
			return left
		}
	}
}

func (q *queue) depth() int { return len(q.ch) }

// lru is a bounded set of strings that forgets the least recently added first.
// It is not safe for concurrent use (queue locks around it).
type lru struct {
	max   int
	order *list.List // front: newest
	at    map[string]*list.Element
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), at: map[string]*list.Element{}}
}

func (l *lru) has(key string) bool {
	_, ok := l.at[key]
	return ok
}

func (l *lru) add(key string) {
	if e, ok := l.at[key]; ok {
		l.order.MoveToFront(e)
		return
	}
	l.at[key] = l.order.PushFront(key)
	if l.order.Len() > l.max {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.at, oldest.Value.(string))
	}
}
