package resolve_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// batchProvider is a source that reads many pull requests at once. Its batch
// leaves out the numbers in omit and answers those in odd with a state that is not
// one (missing, unknown); State answers every number.
type batchProvider struct {
	mu       sync.Mutex
	batches  [][]string
	singles  map[string]int
	omit     map[string]bool
	odd      map[string]scm.State
	inFlight atomic.Int32
	maxSeen  atomic.Int32
}

func (p *batchProvider) enter() func() {
	n := p.inFlight.Add(1)
	for {
		m := p.maxSeen.Load()
		if n <= m || p.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { p.inFlight.Add(-1) }
}

func (p *batchProvider) State(_ context.Context, ref scm.Ref) (scm.Status, error) {
	defer p.enter()()
	p.mu.Lock()
	p.singles[ref.Number]++
	p.mu.Unlock()
	return scm.Status{State: scm.Closed}, nil
}

func (p *batchProvider) States(_ context.Context, refs []scm.Ref) map[scm.Ref]scm.Status {
	defer p.enter()()
	out := map[scm.Ref]scm.Status{}
	var nums []string
	for _, r := range refs {
		nums = append(nums, r.Number)
		switch {
		case p.omit[r.Number]:
		case p.odd[r.Number] != "":
			out[r] = scm.Status{State: p.odd[r.Number]}
		default:
			out[r] = scm.Status{State: scm.Merged}
		}
	}
	slices.Sort(nums)
	p.mu.Lock()
	p.batches = append(p.batches, nums)
	p.mu.Unlock()
	return out
}

func TestCacheReadsABatcherInOneBatchAndTheRestAlone(t *testing.T) {
	p := &batchProvider{singles: map[string]int{}, omit: map[string]bool{"3": true},
		odd: map[string]scm.State{"4": scm.Missing, "5": scm.Unknown}}
	other := &countingProvider{calls: map[string]int{}, gate: closedGate(),
		answer: func(scm.Ref) (scm.Status, error) { return scm.Status{State: scm.Open}, nil }}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := resolve.NewCache(resolve.Resolver{Providers: map[string]scm.Provider{"gh": p, "ado": other}, Concurrency: 2, Now: func() time.Time { return now }})

	var refs []scm.Ref
	for i := 1; i <= 6; i++ {
		refs = append(refs, scm.Ref{Source: "gh", Repo: "o/r", Number: fmt.Sprint(i)})
	}
	refs = append(refs, refs[0], scm.Ref{Source: "ado", Number: "9"})
	got := c.States(context.Background(), refs)

	want := map[string]scm.State{"1": scm.Merged, "2": scm.Merged, "3": scm.Closed, "4": scm.Closed, "5": scm.Closed, "6": scm.Merged, "9": scm.Open}
	if len(got) != len(want) {
		t.Errorf("%d states, want %d", len(got), len(want))
	}
	for r, st := range got {
		if st.State != want[r.Number] {
			t.Errorf("%s: %+v, want %s", r, st, want[r.Number])
		}
		if !st.ReadAt.Equal(now) {
			t.Errorf("%s: read at %s, want the resolver's clock", r, st.ReadAt)
		}
	}
	if !slices.EqualFunc(p.batches, [][]string{{"1", "2", "3", "4", "5", "6"}}, slices.Equal) {
		t.Errorf("batches %v, want one of the six", p.batches)
	}
	// Left out, missing and unknown in the batch: read alone, once each.
	if want := map[string]int{"3": 1, "4": 1, "5": 1}; fmt.Sprint(p.singles) != fmt.Sprint(want) {
		t.Errorf("read alone %v, want %v", p.singles, want)
	}
	if other.calls["9"] != 1 {
		t.Errorf("the other source read PR 9 %d times", other.calls["9"])
	}

	// A later call reads only what no call asked for, and one ref alone.
	got = c.States(context.Background(), []scm.Ref{refs[0], {Source: "gh", Repo: "o/r", Number: "7"}})
	if got[refs[0]].State != scm.Merged || got[scm.Ref{Source: "gh", Repo: "o/r", Number: "7"}].State != scm.Closed {
		t.Errorf("second call: %+v", got)
	}
	if len(p.batches) != 1 || p.singles["7"] != 1 {
		t.Errorf("second call: batches %v, singles %v; want PR 7 read alone", p.batches, p.singles)
	}
}

func TestCacheBatchesShareTheBudget(t *testing.T) {
	p := &batchProvider{singles: map[string]int{}, omit: map[string]bool{}, odd: map[string]scm.State{}}
	c := resolve.NewCache(resolve.Resolver{Providers: map[string]scm.Provider{"gh": p}, Concurrency: 1})
	var wg sync.WaitGroup
	for repo := range 8 {
		wg.Go(func() {
			var refs []scm.Ref
			for i := range 5 {
				refs = append(refs, scm.Ref{Source: "gh", Repo: "o/r", Number: fmt.Sprint(repo*5 + i)})
			}
			for _, st := range c.States(context.Background(), refs) {
				if st.State != scm.Merged {
					t.Errorf("state %+v", st)
				}
			}
		})
	}
	wg.Wait()
	if m := p.maxSeen.Load(); m > 1 {
		t.Errorf("%d batches at once, budget 1", m)
	}
	total := 0
	for _, b := range p.batches {
		total += len(b)
	}
	if total != 40 {
		t.Errorf("%d pull requests in batches, want 40, each once", total)
	}
}

func closedGate() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}
