package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// Summary counts a report's items by bucket. The buckets partition the items:
// Deleted + Preserved + Failed is the number of items.
type Summary struct {
	Deleted   int `json:"deleted"`   // deleted, or in a dry run would be deleted
	Preserved int `json:"preserved"` // kept, and not failed
	Failed    int `json:"failed"`    // a look-up or a deletion failed; the tag was kept
}

// Summarize counts items by bucket: failed when the item failed; deleted when
// its action is delete and the deletion was done (in a dry run: when its action
// is delete); preserved otherwise.
func Summarize(items []plan.Item, dryRun bool) Summary {
	var s Summary
	for _, it := range items {
		switch classify(it, dryRun) {
		case deleted:
			s.Deleted++
		case failed:
			s.Failed++
		default:
			s.Preserved++
		}
	}
	return s
}

// line is the closing count line: "2 deleted, 2 preserved, 1 failed".
func (s Summary) line(dryRun bool) string {
	verb := "deleted"
	if dryRun {
		verb = "would be deleted"
	}
	return fmt.Sprintf("%d %s, %d preserved, %d failed", s.Deleted, verb, s.Preserved, s.Failed)
}

// bucket is where an item is reported; every item is in exactly one.
type bucket int

const (
	preserved bucket = iota
	deleted
	failed
)

func classify(it plan.Item, dryRun bool) bucket {
	switch {
	case it.Failed():
		return failed
	case it.Action == policy.Delete && (it.Done || dryRun):
		return deleted
	default:
		return preserved
	}
}

// sorted returns a copy of items sorted by repository, then tag, in byte order.
// Items with the same reference keep their order. The copy is never nil.
func sorted(items []plan.Item) []plan.Item {
	out := append(make([]plan.Item, 0, len(items)), items...)
	slices.SortStableFunc(out, func(a, b plan.Item) int {
		if c := strings.Compare(a.Repository, b.Repository); c != 0 {
			return c
		}
		return strings.Compare(a.Tag, b.Tag)
	})
	return out
}
