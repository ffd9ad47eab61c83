package resolve_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// countingProvider answers from a map, counting calls and the most at once.
type countingProvider struct {
	mu       sync.Mutex
	calls    map[string]int
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	gate     chan struct{}
	answer   func(ref scm.Ref) (scm.Status, error)
}

func (p *countingProvider) State(_ context.Context, ref scm.Ref) (scm.Status, error) {
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for {
		m := p.maxSeen.Load()
		if n <= m || p.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	p.mu.Lock()
	p.calls[ref.Number]++
	p.mu.Unlock()
	<-p.gate
	return p.answer(ref)
}

func TestEachPRReadOnceWithBoundedConcurrency(t *testing.T) {
	p := &countingProvider{calls: map[string]int{}, gate: make(chan struct{}),
		answer: func(scm.Ref) (scm.Status, error) { return scm.Status{State: scm.Merged}, nil }}
	var refs []scm.Ref
	for i := range 40 {
		refs = append(refs, scm.Ref{Source: "ado", Number: fmt.Sprint(i % 20)}) // every PR twice
	}
	go func() {
		// Let the workers pile up against the limit, then release them all.
		for p.inFlight.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		close(p.gate)
	}()
	got := resolve.Resolver{Providers: map[string]scm.Provider{"ado": p}, Concurrency: 3}.States(context.Background(), refs)
	if len(got) != 20 {
		t.Errorf("%d states, want 20", len(got))
	}
	for n, c := range p.calls {
		if c != 1 {
			t.Errorf("PR %s read %d times", n, c)
		}
	}
	if m := p.maxSeen.Load(); m > 3 {
		t.Errorf("%d look-ups at once, limit 3", m)
	}
}

func TestErrorsBecomeUnknownAndNotFoundMissing(t *testing.T) {
	closed := make(chan struct{})
	close(closed)
	p := &countingProvider{calls: map[string]int{}, gate: closed, answer: func(ref scm.Ref) (scm.Status, error) {
		switch ref.Number {
		case "1":
			return scm.Status{}, fmt.Errorf("reading PR 1: %w", scm.ErrNotFound)
		case "2":
			return scm.Status{}, errors.New("connection reset")
		case "3":
			return scm.Status{State: scm.Unknown}, nil
		}
		return scm.Status{State: scm.Open}, nil
	}}
	refs := []scm.Ref{{Source: "ado", Number: "1"}, {Source: "ado", Number: "2"}, {Source: "ado", Number: "3"}, {Source: "ado", Number: "4"}, {Source: "nope", Number: "5"}}
	got := resolve.Resolver{Providers: map[string]scm.Provider{"ado": p}, Concurrency: 2}.States(context.Background(), refs)
	want := map[string]scm.State{"1": scm.Missing, "2": scm.Unknown, "3": scm.Unknown, "4": scm.Open, "5": scm.Unknown}
	for _, ref := range refs {
		st := got[ref]
		if st.State != want[ref.Number] {
			t.Errorf("PR %s: %+v, want %s", ref.Number, st, want[ref.Number])
		}
		if (st.State == scm.Unknown) != (st.Error != "") {
			t.Errorf("PR %s: an unknown state must carry its error and only then: %+v", ref.Number, st)
		}
		if st.ReadAt.IsZero() {
			t.Errorf("PR %s: no read time", ref.Number)
		}
	}
}
