package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/prsweep/prsweep/internal/policy"
)

// ErrLimit is returned when a safety limit stops a sweep before any deletion.
var ErrLimit = errors.New("safety limit exceeded")

// Limits are the safety limits; zero means no limit.
type Limits struct {
	MaxDeletions        int     // tags per sweep
	MaxDeletionsPercent float64 // percent of the tags seen, per sweep
	PerRepository       struct {
		MaxDeletions        int
		MaxDeletionsPercent float64
	}
}

// LimitError says which limit stopped the sweep and by how much.
type LimitError struct {
	Key        string // the configuration key, e.g. safety.maxDeletions
	Repository string // set for per-repository limits
	Limit      float64
	Planned    int // tags the plan deletes (in the repository, for per-repository limits)
	Seen       int // tags seen (likewise)
	Percent    bool
}

func (e *LimitError) Error() string {
	where := ""
	if e.Repository != "" {
		where = " in " + e.Repository
	}
	if e.Percent {
		got := 100 * float64(e.Planned) / float64(e.Seen)
		return fmt.Sprintf("%s is %g%% and the plan deletes %.1f%% of the tags%s (%d of %d, %.1f points over): nothing was deleted",
			e.Key, e.Limit, got, where, e.Planned, e.Seen, got-e.Limit)
	}
	return fmt.Sprintf("%s is %g and the plan deletes %d tags%s (%d over): nothing was deleted",
		e.Key, e.Limit, e.Planned, where, e.Planned-int(e.Limit))
}

func (e *LimitError) Unwrap() error { return ErrLimit }

// IsLimit says whether err is a safety limit's: the plan is kept whole, every
// deletion turned into a keep naming the limit, and it is reported as such.
func IsLimit(err error) bool {
	var limit *LimitError
	return errors.As(err, &limit)
}

// Deletions counts the tags a plan deletes (manifests removed with them not counted).
func Deletions(items []Item) int {
	n := 0
	for _, it := range items {
		if it.Action == policy.Delete && it.Kind == KindTag {
			n++
		}
	}
	return n
}

// Enforce checks the limits. Over any of them, every delete becomes a keep naming
// the limit, and a *LimitError (the first limit exceeded) is returned. It makes one
// pass over the items.
func Enforce(items []Item, l Limits) error {
	var total Tally
	perRepo := map[string]Tally{}
	for _, it := range items {
		total = total.Add(it)
		perRepo[it.Repository] = perRepo[it.Repository].Add(it)
	}
	err := l.Exceeded(total, perRepo)
	if err != nil {
		Keep(items, err)
	}
	return err
}

// Exceeded returns the first limit a plan of these counts exceeds, as a
// *LimitError: the sweep's, then each repository's in name order; nil if none.
func (l Limits) Exceeded(total Tally, perRepo map[string]Tally) error {
	if err := check(total, "", l.MaxDeletions, l.MaxDeletionsPercent, "safety.maxDeletions", "safety.maxDeletionsPercent"); err != nil {
		return err
	}
	if l.PerRepository.MaxDeletions == 0 && l.PerRepository.MaxDeletionsPercent == 0 {
		return nil
	}
	for _, repo := range slices.Sorted(maps.Keys(perRepo)) {
		if err := check(perRepo[repo], repo, l.PerRepository.MaxDeletions, l.PerRepository.MaxDeletionsPercent,
			"safety.perRepository.maxDeletions", "safety.perRepository.maxDeletionsPercent"); err != nil {
			return err
		}
	}
	return nil
}

// Keep turns every delete of items into a keep naming err, the limit exceeded.
func Keep(items []Item, err error) {
	for i := range items {
		if items[i].Action == policy.Delete {
			items[i].Action, items[i].Method = policy.Keep, ""
			items[i].Reason += "; kept: " + err.Error()
		}
	}
}

// Tally counts what the safety limits weigh: the tags seen and the tags planned
// for deletion.
type Tally struct{ Planned, Seen int }

// Add counts it.
func (t Tally) Add(it Item) Tally {
	if it.Kind == KindTag && it.Tag != "*" {
		t.Seen++
		if it.Action == policy.Delete {
			t.Planned++
		}
	}
	return t
}

func check(t Tally, repo string, maxN int, maxPercent float64, keyN, keyPercent string) error {
	switch {
	case maxN > 0 && t.Planned > maxN:
		return &LimitError{Key: keyN, Repository: repo, Limit: float64(maxN), Planned: t.Planned, Seen: t.Seen}
	case maxPercent > 0 && t.Seen > 0 && 100*float64(t.Planned) > maxPercent*float64(t.Seen):
		return &LimitError{Key: keyPercent, Repository: repo, Limit: maxPercent, Planned: t.Planned, Seen: t.Seen, Percent: true}
	}
	return nil
}
