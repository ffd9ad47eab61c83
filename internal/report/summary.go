package report

import (
	"fmt"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// Summary counts a report's items by bucket. The buckets partition the items:
// Deleted + Preserved + Failed is the number of items.
type Summary struct {
	Deleted   int `json:"deleted"`   // deleted, or in a dry run would be deleted
	Preserved int `json:"preserved"` // kept, and not failed
	Failed    int `json:"failed"`    // a look-up or a deletion failed; the tag was kept
	// Manifests removed with the deleted tags (children, signatures, manifests left
	// untagged) and the bytes of every manifest removed, where the registry reports
	// sizes (an untagged tag frees nothing; its manifest stays).
	Manifests int   `json:"manifests"`
	Bytes     int64 `json:"bytes,omitempty"`
}

// Summarize counts items by bucket: failed when the item failed; deleted when
// its action is delete and the deletion was done (in a dry run: when its action
// is delete); preserved otherwise. Manifests removed with a tag are counted apart;
// one kept because its tag stayed is not counted at all.
func Summarize(items []plan.Item, dryRun bool) Summary {
	var s Summary
	for _, it := range items {
		b := classify(it, dryRun)
		switch {
		case b == failed:
			s.Failed++
		case it.Kind == plan.KindManifest && b == deleted:
			s.Manifests++
			s.Bytes += it.Size
		case it.Kind == plan.KindManifest:
		case b == deleted:
			s.Deleted++
			if it.Method == registry.MethodDigest { // the manifest went with the tag
				s.Bytes += it.Size
			}
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
	line := fmt.Sprintf("%d %s, %d preserved, %d failed", s.Deleted, verb, s.Preserved, s.Failed)
	if s.Manifests > 0 {
		line += fmt.Sprintf("; %d manifests removed with them", s.Manifests)
	}
	if s.Bytes > 0 {
		line += fmt.Sprintf(" (%s)", bytesText(s.Bytes))
	}
	return line
}

// bytesText writes a size the way registries' consoles do: 1.5 MB.
func bytesText(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
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

// sorted returns a copy of items in plan order: by repository, then tag, in byte
// order, each manifest removed with a tag right after it. The copy is never nil.
func sorted(items []plan.Item) []plan.Item {
	out := append(make([]plan.Item, 0, len(items)), items...)
	plan.Sort(out)
	return out
}
