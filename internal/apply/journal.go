package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/registry"
)

// journalBefore records the manifest about to be deleted; without a journal it
// does nothing.
func (a Applier) journalBefore(ctx context.Context, it *plan.Item) error {
	if a.Audit == nil {
		return nil
	}
	if it.Digest == "" {
		// A dangling tag: its manifest is gone already; the record says which tag went.
		return a.Audit.Write(a.record(it, audit.EventDelete))
	}
	store, ok := a.Registry.(registry.ManifestStore)
	if !ok {
		return errors.New("journaling: this registry cannot read manifests back, so the deletion could not be undone")
	}
	raw, mediaType, err := store.Manifest(ctx, it.Repository, it.Digest)
	if err != nil {
		return fmt.Errorf("reading the manifest for the audit log: %w", err)
	}
	rec := a.record(it, audit.EventDelete)
	rec.Manifest, rec.MediaType = raw, mediaType
	return a.Audit.Write(rec)
}

// journalAfter records the outcome; a failure to write it is logged, the deletion
// having happened already.
func (a Applier) journalAfter(it *plan.Item) {
	if a.Audit == nil {
		return
	}
	rec := a.record(it, audit.EventDeleted)
	if !it.Done {
		rec.Event, rec.Error = audit.EventFailed, it.Error
	}
	if err := a.Audit.Write(rec); err != nil {
		a.logger().Error("the audit log lost a record", "image", it.Ref(), "event", rec.Event, "error", err)
	}
}

func (a Applier) record(it *plan.Item, event string) audit.Record {
	return audit.Record{
		Time: time.Now().UTC(), Event: event, Registry: a.Host,
		Repository: it.Repository, Tag: it.Tag, Digest: it.Digest, Method: string(it.Method), LinkedTo: it.LinkedTo,
		PR: it.PR, State: string(it.State), Source: it.Source, ReadAt: it.ReadAt,
		Dangling: it.Digest == "" && it.Kind == plan.KindTag,
	}
}
