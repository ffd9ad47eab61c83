package audit_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/audit"
)

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	recs := []audit.Record{
		{Time: time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), Event: audit.EventDelete, Registry: "r", Repository: "jarvis", Tag: "PR1-a",
			Digest: "sha256:aa", Manifest: []byte(`{"schemaVersion":2}`), MediaType: "application/vnd.oci.image.manifest.v1+json", PR: "1", State: "merged"},
		{Time: time.Date(2026, 11, 29, 23, 0, 1, 0, time.UTC), Event: audit.EventDeleted, Registry: "r", Repository: "jarvis", Tag: "PR1-a", Digest: "sha256:aa"},
	}
	for range 2 { // appending: a second sweep adds to the same log
		l, err := audit.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := l.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	f, _ := os.Open(path)
	defer f.Close()
	got, err := audit.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(append(recs, recs...), got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

func TestReadSkipsATornLastLineOnly(t *testing.T) {
	good := `{"time":"2026-11-29T23:00:00Z","event":"deleted","registry":"r","repository":"jarvis","digest":"sha256:aa"}`
	if recs, err := audit.Read(strings.NewReader(good + "\n" + good[:40])); err != nil || len(recs) != 1 {
		t.Errorf("torn last line: %d records, %v", len(recs), err)
	}
	for name, data := range map[string]string{
		"bad middle line":         good + "\n{nope\n" + good + "\n",
		"unknown event":           strings.Replace(good, `"deleted"`, `"exploded"`, 1) + "\n",
		"delete without manifest": strings.Replace(good, `"deleted"`, `"delete"`, 1) + "\n",
		"unknown field":           strings.Replace(good, `"event"`, `"force":true,"event"`, 1) + "\n" + good + "\n",
	} {
		if _, err := audit.Read(strings.NewReader(data)); !errors.Is(err, audit.ErrBadLine) {
			t.Errorf("%s: %v, want ErrBadLine", name, err)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-29T23:00:00Z","event":"deleted","registry":"r","repository":"jarvis","digest":"sha256:aa"}` + "\n"))
	f.Add([]byte(`{"event":"delete","repository":"x","digest":"d","manifest":"e30="}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := audit.Read(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.Repository == "" || r.Digest == "" || (r.Event == audit.EventDelete && len(r.Manifest) == 0) {
				t.Errorf("Read accepted an incomplete record %+v", r)
			}
		}
	})
}

func TestDeleted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if got, err := audit.Deleted(path, "r.example"); err != nil || len(got) != 0 {
		t.Fatalf("no journal yet: %v, %v", got, err)
	}
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []audit.Record{
		{Event: audit.EventDelete, Registry: "r.example", Repository: "app", Tag: "PR1", Digest: "sha256:1"},
		{Event: audit.EventDeleted, Registry: "r.example", Repository: "app", Tag: "PR1", Digest: "sha256:1"},
		{Event: audit.EventDelete, Registry: "r.example", Repository: "app", Digest: "sha256:2"},
		{Event: audit.EventDelete, Registry: "other.example", Repository: "app", Tag: "PR3", Digest: "sha256:3"},
		{Event: audit.EventDelete, Registry: "r.example", Repository: "app", Tag: "dangling", Dangling: true},
		{Event: audit.EventFailed, Registry: "r.example", Repository: "api", Tag: "PR4", Digest: "sha256:4"},
	} {
		r.Time = time.Now()
		if err := l.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if l.Path() != path {
		t.Errorf("Path() = %q", l.Path())
	}
	l.Close()
	got, err := audit.Deleted(path, "r.example")
	want := map[string]map[string]bool{"app": {"sha256:1": true, "sha256:2": true}}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Deleted: %v, (-want +got):\n%s", err, diff)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{not json\n{\"event\":\"delete\"}\n")
	f.Close()
	if _, err := audit.Deleted(path, "r.example"); !errors.Is(err, audit.ErrBadLine) {
		t.Errorf("a bad line in the middle: %v, want ErrBadLine", err)
	}
}
