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
	err := check(count(items), "", l.MaxDeletions, l.MaxDeletionsPercent, "safety.maxDeletions", "safety.maxDeletionsPercent")
	if err == nil && (l.PerRepository.MaxDeletions > 0 || l.PerRepository.MaxDeletionsPercent > 0) {
		perRepo := map[string]tally{}
		for _, it := range items {
			perRepo[it.Repository] = perRepo[it.Repository].add(it)
		}
		for _, repo := range slices.Sorted(maps.Keys(perRepo)) {
			err = check(perRepo[repo], repo, l.PerRepository.MaxDeletions, l.PerRepository.MaxDeletionsPercent,
				"safety.perRepository.maxDeletions", "safety.perRepository.maxDeletionsPercent")
			if err != nil {
				break
			}
		}
	}
	if err == nil {
		return nil
	}
	for i := range items {
		if items[i].Action == policy.Delete {
			items[i].Action, items[i].Method = policy.Keep, ""
			items[i].Reason += "; kept: " + err.Error()
		}
	}
	return err
}

// tally counts the tags planned for deletion and the tags seen.
type tally struct{ planned, seen int }

func (t tally) add(it Item) tally {
	if it.Kind == KindTag && it.Tag != "*" {
		t.seen++
		if it.Action == policy.Delete {
			t.planned++
		}
	}
	return t
}

func count(items []Item) tally {
	var t tally
	for _, it := range items {
		t = t.add(it)
	}
	return t
}

func check(t tally, repo string, maxN int, maxPercent float64, keyN, keyPercent string) error {
	switch {
	case maxN > 0 && t.planned > maxN:
		return &LimitError{Key: keyN, Repository: repo, Limit: float64(maxN), Planned: t.planned, Seen: t.seen}
	case maxPercent > 0 && t.seen > 0 && 100*float64(t.planned) > maxPercent*float64(t.seen):
		return &LimitError{Key: keyPercent, Repository: repo, Limit: maxPercent, Planned: t.planned, Seen: t.seen, Percent: true}
	}
	return nil
}
