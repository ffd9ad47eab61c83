package apply_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prsweep/prsweep/internal/apply"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
)

// fakeRegistry answers Resolve from a map and records deletions.
type fakeRegistry struct {
	mu       sync.Mutex
	digests  map[string]string // tag → digest now
	failWith map[string]error  // tag → error from Delete
	notFound map[string]int    // tag → how many reads still answer a spurious 404
	deleted  []string
}

func (f *fakeRegistry) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.digests[tag]
	if !ok || f.notFound[tag] > 0 {
		if ok {
			f.notFound[tag]--
		}
		return registry.Manifest{}, registry.ErrNotFound
	}
	return registry.Manifest{Digest: d}, nil
}

func (f *fakeRegistry) Tags(context.Context, string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var tags []string
	for t := range f.digests {
		tags = append(tags, t)
	}
	return tags, nil
}

func (f *fakeRegistry) Delete(_ context.Context, _, tag string, _ registry.Manifest, _ registry.Method) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failWith[tag]; err != nil {
		if tag == "lost-answer" || tag == "raced" { // the registry (or a racing sweep) deleted it, then answered
			delete(f.digests, tag)
		}
		return err
	}
	f.deleted = append(f.deleted, tag)
	delete(f.digests, tag)
	return nil
}

func del(tag, digest string) plan.Item {
	return plan.Item{Repository: "jarvis", Tag: tag, Digest: digest, Action: policy.Delete, Method: registry.MethodUntag, Reason: "PR 1 is merged"}
}

func TestApply(t *testing.T) {
	reg := &fakeRegistry{
		digests: map[string]string{"ok": "sha256:a", "pushed-again": "sha256:new", "refused": "sha256:c", "raced": "sha256:d", "locked": "sha256:e", "lost-answer": "sha256:f",
			"404-but-listed": "sha256:g"},
		failWith: map[string]error{"refused": registry.ErrUnauthorized, "raced": registry.ErrNotFound, "locked": registry.ErrLocked, "lost-answer": errors.New("connection reset"),
			"404-but-listed": registry.ErrNotFound},
	}
	items := []plan.Item{
		del("ok", "sha256:a"),
		del("pushed-again", "sha256:old"),
		del("already-gone", "sha256:b"),
		del("refused", "sha256:c"),
		del("raced", "sha256:d"),
		del("locked", "sha256:e"),
		del("lost-answer", "sha256:f"),
		del("404-but-listed", "sha256:g"),
		{Repository: "jarvis", Tag: "kept", Action: policy.Keep},
	}
	apply.Applier{Registry: reg, Concurrency: 3}.Apply(context.Background(), items)
	by := map[string]plan.Item{}
	for _, it := range items {
		by[it.Tag] = it
	}
	if it := by["ok"]; !it.Done || it.Failed() {
		t.Errorf("ok: %+v", it)
	}
	// Safety rule 5: a tag whose digest changed since the decision is kept.
	if it := by["pushed-again"]; it.Action != policy.Keep || it.Done || !strings.Contains(it.Reason, "pushed again") {
		t.Errorf("pushed-again: %+v", it)
	}
	if it := by["already-gone"]; !it.Done || !strings.Contains(it.Reason, "already gone") {
		t.Errorf("already-gone: %+v", it)
	}
	if it := by["refused"]; it.Done || !it.Failed() || !strings.Contains(it.Error, "credentials refused") {
		t.Errorf("refused: %+v", it)
	}
	if it := by["raced"]; !it.Done {
		t.Errorf("raced (deleted by someone else between re-read and delete): %+v", it)
	}
	if it := by["locked"]; it.Action != policy.Keep || it.Done || it.Failed() || !strings.Contains(it.Reason, "locked") {
		t.Errorf("locked: %+v", it)
	}
	if it := by["lost-answer"]; !it.Done || it.Failed() || !strings.Contains(it.Reason, "answer was lost") {
		t.Errorf("lost-answer: %+v", it)
	}
	// Safety rule 8: a 404 is not proof; the listing read back decides.
	if it := by["404-but-listed"]; it.Done || !it.Failed() || !strings.Contains(it.Error, "still listed") {
		t.Errorf("404-but-listed: %+v", it)
	}
	if it := by["kept"]; it.Done || it.Failed() {
		t.Errorf("kept: %+v", it)
	}
	for _, tag := range reg.deleted {
		if tag != "ok" && tag != "lost-answer" {
			t.Errorf("deleted %s", tag)
		}
	}
}

func TestApplyStopsStartingDeletionsWhenCancelled(t *testing.T) {
	reg := &fakeRegistry{digests: map[string]string{"a": "sha256:a"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	items := []plan.Item{del("a", "sha256:a")}
	apply.Applier{Registry: reg}.Apply(ctx, items)
	if items[0].Done || !items[0].Failed() || len(reg.deleted) != 0 {
		t.Errorf("after cancel: %+v, deleted %v", items[0], reg.deleted)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("context not cancelled")
	}
}

// A 404 on the read before a deletion is not proof either: a tag the listing still
// shows, whose manifest reads again, is read and deleted once more.
func TestSpurious404BeforeDeletionIsRetried(t *testing.T) {
	reg := &fakeRegistry{digests: map[string]string{"a": "sha256:a"}, notFound: map[string]int{"a": 1}}
	items := []plan.Item{del("a", "sha256:a")}
	items[0].Method = registry.MethodDigest
	apply.Applier{Registry: reg}.Apply(context.Background(), items)
	if it := items[0]; !it.Done || it.Failed() || strings.Contains(it.Reason, "already gone") {
		t.Errorf("a (one spurious 404): %+v", it)
	}
	if !slices.Equal(reg.deleted, []string{"a"}) {
		t.Errorf("deleted %v, want [a]", reg.deleted)
	}
}

// promoting deletes by digest every tag on the digest. Its first DELETE answers a
// spurious 404 (nothing deleted) while CI promotes the PR image: latest is pushed
// onto the same digest at that moment.
type promoting struct {
	mu      sync.Mutex
	tags    map[string]string
	deletes int
	lost    []string
}

func (p *promoting) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.tags[tag]
	if !ok {
		return registry.Manifest{}, registry.ErrNotFound
	}
	return registry.Manifest{Digest: d}, nil
}

func (p *promoting) Tags(context.Context, string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for t := range p.tags {
		out = append(out, t)
	}
	return out, nil
}

func (p *promoting) Delete(_ context.Context, _, tag string, _ registry.Manifest, _ registry.Method) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deletes++
	if p.deletes == 1 {
		p.tags["latest"] = p.tags[tag]
		return registry.ErrNotFound
	}
	d := p.tags[tag]
	for t, td := range p.tags {
		if td == d {
			delete(p.tags, t)
			if t != tag {
				p.lost = append(p.lost, t)
			}
		}
	}
	return nil
}

// Deleting again after a 404 that was not the truth re-checks what holds the digest
// (safety rules 2 and 9), as the first deletion did: a tag pushed onto it since keeps it.
func TestDeleteAgainRechecksHolders(t *testing.T) {
	reg := &promoting{tags: map[string]string{"pr-5": "sha256:a", "release": "sha256:r"}}
	items := []plan.Item{del("pr-5", "sha256:a"), {Repository: "jarvis", Tag: "release", Digest: "sha256:r", Action: policy.Keep}}
	items[0].Method = registry.MethodDigest
	apply.Applier{Registry: reg}.Apply(context.Background(), items)
	if len(reg.lost) > 0 {
		t.Errorf("deleting pr-5 again by digest also removed %v", reg.lost)
	}
	if it := items[0]; it.Done || it.Action != policy.Keep || it.Failed() || !strings.Contains(it.Reason, "latest") {
		t.Errorf("pr-5: %+v, want kept because latest now holds its digest", it)
	}
}

// lagging deletes for real, but its tag listing (GHCR's Packages API, another system
// than its OCI reads) still shows a deleted tag once.
type lagging struct {
	mu    sync.Mutex
	tags  map[string]string
	stale map[string]bool
	calls []string
}

func (l *lagging) Resolve(_ context.Context, _, tag string) (registry.Manifest, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.tags[tag]; ok {
		return registry.Manifest{Digest: d}, nil
	}
	return registry.Manifest{}, registry.ErrNotFound
}

func (l *lagging) Tags(context.Context, string) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for t := range l.tags {
		out = append(out, t)
	}
	for t := range l.stale {
		out = append(out, t)
		delete(l.stale, t)
	}
	return out, nil
}

func (l *lagging) Delete(_ context.Context, _, tag string, m registry.Manifest, method registry.Method) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, tag+" "+string(method)+" digest="+m.Digest)
	if _, ok := l.tags[tag]; ok {
		delete(l.tags, tag)
		l.stale[tag] = true
	}
	return nil
}

// A listing that lags behind a deletion, read with one 404, is no dangling tag: the
// listing is read again, and nothing is removed a second time.
func TestListingLagIsNotDangling(t *testing.T) {
	reg := &lagging{tags: map[string]string{"pr-5": "sha256:a"}, stale: map[string]bool{}}
	items := []plan.Item{del("pr-5", "sha256:a")}
	items[0].Method = registry.MethodDigest
	apply.Applier{Registry: reg}.Apply(context.Background(), items)
	if len(reg.calls) != 1 || !items[0].Done {
		t.Errorf("deletions %v, item %+v; want one deletion, done", reg.calls, items[0])
	}
}

// halfRetag points the tag at its throwaway, then loses the throwaway's DELETE to a
// 404 that is not the truth.
type halfRetag struct{ fakeRegistry }

func (h *halfRetag) Delete(_ context.Context, _, tag string, _ registry.Manifest, _ registry.Method) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.digests[tag] = "sha256:throwaway"
	return registry.ErrNotFound
}

// A retag cut short leaves the tag on its throwaway: it is reported failed, never kept
// as "pushed again since the decision" (which the throwaway's digest would look like).
func TestHalfDoneRetagIsFailedNotKept(t *testing.T) {
	reg := &halfRetag{fakeRegistry{digests: map[string]string{"pr-5": "sha256:a"}}}
	items := []plan.Item{del("pr-5", "sha256:a")}
	items[0].Method = registry.MethodRetag
	apply.Applier{Registry: reg}.Apply(context.Background(), items)
	if it := items[0]; it.Action != policy.Delete || it.Done || !strings.Contains(it.Error, "still listed") {
		t.Errorf("pr-5: %+v, want failed as still listed", it)
	}
}
