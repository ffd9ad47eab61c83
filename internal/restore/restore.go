// Package restore puts back what the audit log says a sweep deleted: each tag is
// pointed again at the manifest it had, re-uploading the recorded manifest where the
// registry no longer has it (possible until garbage collection removes its blobs).
// It never moves a tag that exists again. It imports audit and registry.
package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/registry"
)

// Registry is what restore needs.
type Registry interface {
	Resolve(ctx context.Context, repo, tag string) (registry.Manifest, error)
	registry.ManifestStore
}

// Outcome is what happened to one deleted tag or manifest.
type Outcome struct {
	Ref      string // repo:tag or repo@digest
	Restored bool
	Detail   string // how it was restored, or why it could not be
}

// Deleted returns the journal's deletions that may have happened: each "delete"
// record not followed by a "failed" one for the same item. Later records win.
func Deleted(records []audit.Record) []audit.Record {
	type key struct{ repo, tag, digest string }
	var order []key
	last := map[key]audit.Record{}
	failed := map[key]bool{}
	for _, r := range records {
		if r.Dangling {
			continue // its manifest was gone already: nothing to put back
		}
		k := key{r.Repository, r.Tag, r.Digest}
		switch r.Event {
		case audit.EventDelete:
			if _, seen := last[k]; !seen {
				order = append(order, k)
			}
			last[k], failed[k] = r, false
		case audit.EventFailed:
			failed[k] = true
		}
	}
	var out []audit.Record
	for _, k := range order {
		if !failed[k] {
			out = append(out, last[k])
		}
	}
	return out
}

// Select keeps the deletions of the given tags (repo:tag) and of the manifests
// that went with them; no tags selects everything.
func Select(deleted []audit.Record, tags []string) []audit.Record {
	if len(tags) == 0 {
		return deleted
	}
	want := map[string]bool{}
	for _, t := range tags {
		want[t] = true
	}
	// Follow links: a manifest goes back with the tag it went with.
	for changed := true; changed; {
		changed = false
		for _, r := range deleted {
			if want[r.LinkedTo] && !want[ref(r)] {
				want[ref(r)], changed = true, true
			}
		}
	}
	return slices.DeleteFunc(slices.Clone(deleted), func(r audit.Record) bool { return !want[ref(r)] })
}

func ref(r audit.Record) string {
	if r.Tag == "" {
		return r.Repository + "@" + r.Digest
	}
	return r.Repository + ":" + r.Tag
}

// Restore puts the records back: manifests that went with tags first (an index's
// children before the index), then the tags.
func Restore(ctx context.Context, reg Registry, records []audit.Record) []Outcome {
	ordered := slices.Clone(records)
	rank := func(r audit.Record) int {
		switch {
		case r.Tag != "":
			return 2
		case registry.IsIndex(r.MediaType):
			return 1
		}
		return 0
	}
	slices.SortStableFunc(ordered, func(a, b audit.Record) int { return rank(a) - rank(b) })
	var out []Outcome
	for _, r := range ordered {
		o := Outcome{Ref: ref(r)}
		o.Restored, o.Detail = one(ctx, reg, r)
		out = append(out, o)
	}
	return out
}

func one(ctx context.Context, reg Registry, r audit.Record) (bool, string) {
	if r.Tag != "" {
		now, err := reg.Resolve(ctx, r.Repository, r.Tag)
		switch {
		case err == nil && now.Digest == r.Digest:
			return true, "already there"
		case err == nil:
			return false, fmt.Sprintf("not restored: the tag exists again and points at %s; it is not moved", now.Digest)
		case !errors.Is(err, registry.ErrNotFound):
			return false, fmt.Sprintf("not restored: reading the tag: %v", err)
		}
	}
	_, _, err := reg.Manifest(ctx, r.Repository, r.Digest)
	present := err == nil
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return false, fmt.Sprintf("not restored: reading the manifest: %v", err)
	}
	if r.Tag == "" && present {
		return true, "still there"
	}
	target := r.Tag
	if target == "" {
		target = r.Digest
	}
	if err := reg.PutManifest(ctx, r.Repository, target, r.Manifest, r.MediaType); err != nil {
		return false, fmt.Sprintf("cannot be restored: the registry refused the recorded manifest (its layers or children may have been garbage-collected): %v", err)
	}
	if present {
		return true, "re-tagged " + r.Digest + ", which was still in the registry"
	}
	return true, "re-uploaded the recorded manifest " + r.Digest
}
