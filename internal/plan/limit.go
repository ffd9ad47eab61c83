package plan

import (
	"errors"
	"fmt"

	"github.com/prsweep/prsweep/internal/policy"
)

// ErrLimit is returned when a safety limit stops a sweep before any deletion.
var ErrLimit = errors.New("safety limit exceeded")

// LimitError says which limit stopped the sweep and by how much.
type LimitError struct {
	Key     string // the configuration key, e.g. safety.maxDeletions
	Limit   int
	Planned int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s is %d and the plan deletes %d tags (%d over): nothing was deleted", e.Key, e.Limit, e.Planned, e.Planned-e.Limit)
}

func (e *LimitError) Unwrap() error { return ErrLimit }

// Deletions counts the items that delete.
func Deletions(items []Item) int {
	n := 0
	for _, it := range items {
		if it.Action == policy.Delete {
			n++
		}
	}
	return n
}

// Enforce checks maxDeletions (0 = no limit). Over the limit, every delete becomes a
// keep naming the limit, and a *LimitError is returned.
func Enforce(items []Item, maxDeletions int) error {
	n := Deletions(items)
	if maxDeletions <= 0 || n <= maxDeletions {
		return nil
	}
	err := &LimitError{Key: "safety.maxDeletions", Limit: maxDeletions, Planned: n}
	for i := range items {
		if items[i].Action == policy.Delete {
			items[i].Action, items[i].Method = policy.Keep, ""
			items[i].Reason += "; kept: " + err.Error()
		}
	}
	return err
}
