package sweep

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// The spool gives back, a repository at a time and in plan order, what several
// goroutines added in any order, from memory or from its file alike; over a
// limit, every delete comes back kept and naming it.
func TestSpoolGivesThePlanBackInOrder(t *testing.T) {
	for _, at := range []int{0, 512} { // 512 bytes: spilled to a file at once
		sp := &spool{}
		sp.spill.At = at
		var wg sync.WaitGroup
		for r := range 8 {
			wg.Go(func() {
				var items []plan.Item
				for i := range 5 {
					action := policy.Keep
					if i%2 == 0 {
						action = policy.Delete
					}
					items = append(items, plan.Item{Repository: fmt.Sprintf("repo-%d", 7-r), Tag: fmt.Sprint("t", 4-i), Action: action, Reason: "r"})
				}
				sp.add(items)
			})
		}
		wg.Wait()
		if got := sp.spill.Spilled(); got != (at > 0) {
			t.Errorf("at %d: spilled %v", at, got)
		}
		if err := sp.enforce(plan.Limits{MaxDeletions: 24}); err != nil || deletions(t, sp) != 24 {
			t.Fatalf("at %d: 24 deletions under a limit of 24: %v, %d", at, err, deletions(t, sp))
		}
		var repos []string
		if err := sp.each(func(items []plan.Item) {
			repos = append(repos, items[0].Repository)
			if len(items) != 5 || items[0].Tag != "t0" || items[4].Tag != "t4" {
				t.Errorf("at %d: %s comes back as %+v", at, items[0].Repository, items)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(repos, ","); got != "repo-0,repo-1,repo-2,repo-3,repo-4,repo-5,repo-6,repo-7" {
			t.Errorf("at %d: repositories in the order %s", at, got)
		}
		err := sp.enforce(plan.Limits{MaxDeletions: 23})
		if err == nil || deletions(t, sp) != 0 {
			t.Fatalf("at %d: 24 deletions over a limit of 23: %v, %d deletions", at, err, deletions(t, sp))
		}
		_ = sp.each(func(items []plan.Item) {
			for _, it := range items {
				if it.Action != policy.Keep || (it.Reason != "r" && !strings.Contains(it.Reason, "safety.maxDeletions")) {
					t.Errorf("at %d: over the limit, %s: %s (%s)", at, it.Ref(), it.Action, it.Reason)
				}
			}
		})
		sp.close()
	}
}

// A spool that cannot be read back part-way (its temporary file damaged) stops
// the sweep with ErrPartial, after handing on what was done: the report must
// list it.
func TestSpoolReadFailureIsPartial(t *testing.T) {
	sp := &spool{}
	defer sp.close()
	sp.add([]plan.Item{{Repository: "a", Tag: "t", Action: policy.Keep, Reason: "r"}})
	at, err := sp.spill.Write([]byte("{not an item"))
	if err != nil {
		t.Fatal(err)
	}
	sp.parts = append(sp.parts, spoolPart{repo: "z", seq: len(sp.parts), at: at})
	var done []string
	err = (&Sweeper{Concurrency: 1}).applySpool(t.Context(), sp, func(items []plan.Item) { done = append(done, items[0].Repository) })
	if !errors.Is(err, ErrPartial) || strings.Join(done, ",") != "a" {
		t.Errorf("applySpool = %v, handed on %v; want ErrPartial after a", err, done)
	}
}

// deletions counts the deletions the spool gives back.
func deletions(t *testing.T, sp *spool) int {
	t.Helper()
	n := 0
	if err := sp.each(func(items []plan.Item) { n += plan.Deletions(items) }); err != nil {
		t.Fatal(err)
	}
	return n
}
