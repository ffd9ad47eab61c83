// Package audit is prsweep's journal of deletions: one JSON object per line,
// appended and synced to disk before and after each deletion, so that what a sweep
// did survives a crash and can be undone with `prsweep restore`. Before a deletion
// it records the manifest itself; after it, the outcome. It imports only the
// standard library.
package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Events.
const (
	EventDelete  = "delete"  // about to delete; carries the manifest
	EventDeleted = "deleted" // the registry confirmed (or the tag was already gone)
	EventFailed  = "failed"  // the deletion failed; nothing changed
)

// Record is one line of the journal.
type Record struct {
	Time       time.Time `json:"time"`
	Event      string    `json:"event"`
	Registry   string    `json:"registry"`
	Repository string    `json:"repository"`
	Tag        string    `json:"tag,omitempty"` // empty for a manifest removed with a tag
	Digest     string    `json:"digest"`
	Method     string    `json:"method,omitempty"`
	LinkedTo   string    `json:"linkedTo,omitempty"`
	PR         string    `json:"pr,omitempty"`
	State      string    `json:"state,omitempty"`  // as read from the source
	Source     string    `json:"source,omitempty"` // which source said so
	ReadAt     time.Time `json:"readAt,omitzero"`
	MediaType  string    `json:"mediaType,omitempty"`
	Manifest   []byte    `json:"manifest,omitempty"` // the manifest as the registry served it (base64)
	Error      string    `json:"error,omitempty"`
	// Dangling: the tag was listed but its manifest was missing, so there is no
	// digest or manifest to record, and nothing to restore.
	Dangling bool `json:"dangling,omitempty"`
}

// Log appends records to a file, syncing after each one.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Open opens (or creates) the journal at path for appending.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the audit log: %w", err)
	}
	return &Log{f: f, path: path}, nil
}

// Path returns the file the journal appends to.
func (l *Log) Path() string { return l.path }

// Write appends one record and syncs it to disk.
func (l *Log) Write(r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("writing the audit log: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing the audit log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("syncing the audit log: %w", err)
	}
	return nil
}

// Close closes the file.
func (l *Log) Close() error { return l.f.Close() }

// ErrBadLine marks a journal line that is not a record.
var ErrBadLine = errors.New("not an audit record")

// Read parses a journal. A torn last line (a crash mid-write) is skipped; any other
// bad line is an error naming it.
func Read(r io.Reader) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var pending error
	for n := 1; sc.Scan(); n++ {
		if pending != nil {
			return nil, pending
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			pending = fmt.Errorf("line %d: %w: %w", n, ErrBadLine, err)
			continue
		}
		if err := rec.check(); err != nil {
			return nil, fmt.Errorf("line %d: %w: %w", n, ErrBadLine, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	return out, nil // a bad last line is a torn write: skipped
}

func (r Record) check() error {
	switch {
	case r.Event != EventDelete && r.Event != EventDeleted && r.Event != EventFailed:
		return fmt.Errorf("event %q", r.Event)
	case r.Repository == "" || r.Digest == "" && !(r.Dangling && r.Tag != ""):
		return errors.New("repository and digest are required (a dangling tag's record: repository and tag)")
	case r.Event == EventDelete && len(r.Manifest) == 0 && !r.Dangling:
		return errors.New("a delete record without its manifest")
	}
	return nil
}

// Deleted reads the journal at path and returns, by repository, the digests whose
// deletion from host it records (an intent, whatever the outcome). It reads line by
// line and keeps only those: a journal holds every deleted manifest. A journal that
// does not exist yet records none; a bad line other than a torn last one is an error.
func Deleted(path, host string) (map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	defer f.Close()
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var pending error
	for n := 1; sc.Scan(); n++ {
		if pending != nil {
			return nil, pending
		}
		var r struct{ Event, Registry, Repository, Digest string }
		if line := bytes.TrimSpace(sc.Bytes()); len(line) == 0 {
			continue
		} else if err := json.Unmarshal(line, &r); err != nil {
			pending = fmt.Errorf("line %d: %w: %w", n, ErrBadLine, err)
			continue
		}
		if r.Event != EventDelete || r.Registry != host || r.Digest == "" {
			continue
		}
		if out[r.Repository] == nil {
			out[r.Repository] = map[string]bool{}
		}
		out[r.Repository][r.Digest] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	return out, nil
}
