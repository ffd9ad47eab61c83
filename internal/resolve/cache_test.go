package resolve_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// A call asking for thousands of new pull requests starts a read as a slot frees,
// not a goroutine for each at once: a million-tag sweep asks for hundreds of
// thousands, and each waiting goroutine holds a stack.
func TestCacheStartsReadsAsSlotsFree(t *testing.T) {
	p := &countingProvider{calls: map[string]int{}, gate: make(chan struct{}),
		answer: func(scm.Ref) (scm.Status, error) { return scm.Status{State: scm.Merged}, nil }}
	c := resolve.NewCache(resolve.Resolver{Providers: map[string]scm.Provider{"ado": p}, Concurrency: 4})
	var refs []scm.Ref
	for i := range 5000 {
		refs = append(refs, scm.Ref{Source: "ado", Number: fmt.Sprint(i)})
	}
	before := runtime.NumGoroutine()
	done := make(chan map[scm.Ref]scm.Status)
	go func() { done <- c.States(context.Background(), refs) }()
	for p.inFlight.Load() < 4 {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine() - before; n > 50 {
		t.Errorf("%d goroutines for 4 reads in flight and 4,996 waiting", n)
	}
	close(p.gate)
	if got := <-done; len(got) != len(refs) || p.maxSeen.Load() > 4 {
		t.Errorf("%d states, %d reads at once; want %d, at most 4", len(got), p.maxSeen.Load(), len(refs))
	}
}
