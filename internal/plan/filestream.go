package plan

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// FileWriter writes a plan file an item at a time, so that a plan of a million
// tags never has to be held whole: the head first, then the items, one a line,
// in plan order (Sort's; the caller's to keep).
type FileWriter struct {
	bw  *bufio.Writer
	n   int
	err error
}

// NewFileWriter starts a plan file with h; the schema is always Schema.
func NewFileWriter(w io.Writer, h Head) *FileWriter {
	h.Schema, h.CreatedAt = Schema, h.CreatedAt.UTC()
	fw := &FileWriter{bw: bufio.NewWriter(w)}
	head, err := json.Marshal(h)
	if err != nil {
		fw.err = err
		return fw
	}
	fw.bw.Write(head[:len(head)-1])
	fw.bw.WriteString(",\n\"items\": [")
	return fw
}

// Write adds items; the first error is kept for Close.
func (fw *FileWriter) Write(items ...Item) {
	for _, it := range items {
		if fw.err != nil {
			return
		}
		line, err := json.Marshal(it)
		if err != nil {
			fw.err = err
			return
		}
		if fw.n > 0 {
			fw.bw.WriteString(",")
		}
		fw.bw.WriteString("\n  ")
		fw.bw.Write(line)
		fw.n++
	}
}

// Close ends the file and returns the first error met writing it.
func (fw *FileWriter) Close() error {
	if fw.err == nil {
		fw.bw.WriteString("\n]}\n")
		fw.err = fw.bw.Flush()
	}
	if fw.err != nil {
		return fmt.Errorf("writing the plan: %w", fw.err)
	}
	return nil
}

// FileReader reads a plan file a repository at a time, so that `prsweep apply`
// holds one repository's items, not the plan's. It refuses unknown fields, another
// schema, a head after the items, items that make no sense (a delete without a
// digest or a method) and a repository listed in two places.
type FileReader struct {
	dec  *json.Decoder
	head Head
	n    int    // items read
	repo string // the repository of the items read last
	next *Item  // read ahead: the first item of the next repository
	done bool
}

// NewFileReader reads the head of a plan file, up to its items.
func NewFileReader(r io.Reader) (*FileReader, error) {
	fr := &FileReader{dec: json.NewDecoder(r)}
	if err := fr.readHead(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPlan, err)
	}
	h := fr.head
	switch {
	case h.Schema == "":
		return nil, fmt.Errorf("%w: no schema before the items (the head comes first)", ErrBadPlan)
	case h.Schema != Schema:
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrBadPlan, h.Schema, Schema)
	case h.CreatedAt.IsZero() || h.Registry == "":
		return nil, fmt.Errorf("%w: createdAt and registry are required", ErrBadPlan)
	}
	return fr, nil
}

// Head is what the file said before its items.
func (fr *FileReader) Head() Head { return fr.head }

func (fr *FileReader) readHead() error {
	if err := fr.delim('{'); err != nil {
		return err
	}
	for {
		tok, err := fr.dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("no items")
		}
		var v any
		switch key {
		case "schema":
			v = &fr.head.Schema
		case "createdAt":
			v = &fr.head.CreatedAt
		case "registry":
			v = &fr.head.Registry
		case "items":
			return fr.delim('[')
		default:
			return fmt.Errorf("json: unknown field %q", key)
		}
		if err := fr.dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
}

func (fr *FileReader) delim(want json.Delim) error {
	tok, err := fr.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

// Next returns the next repository's items, each checked; io.EOF after the last,
// once the file's end is checked too.
func (fr *FileReader) Next() ([]Item, error) {
	var items []Item
	if fr.next != nil {
		items, fr.next = append(items, *fr.next), nil
	}
	for !fr.done {
		it, err := fr.item()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPlan, err)
		}
		if it == nil {
			break
		}
		if len(items) > 0 && it.Repository != items[0].Repository {
			fr.next = it
			break
		}
		items = append(items, *it)
	}
	if len(items) == 0 {
		return nil, io.EOF
	}
	return items, nil
}

// item reads and checks one item; nil at the end of the items.
func (fr *FileReader) item() (*Item, error) {
	if !fr.dec.More() {
		fr.done = true
		if err := fr.delim(']'); err != nil {
			return nil, err
		}
		if err := fr.delim('}'); err != nil {
			return nil, errors.New("the head must come before the items")
		}
		if _, err := fr.dec.Token(); !errors.Is(err, io.EOF) {
			return nil, errors.New("data after the plan")
		}
		return nil, nil
	}
	dec := fr.dec
	dec.DisallowUnknownFields()
	var it Item
	if err := dec.Decode(&it); err != nil {
		return nil, fmt.Errorf("items[%d]: %w", fr.n, err)
	}
	if err := it.check(); err != nil {
		return nil, fmt.Errorf("items[%d] (%s): %w", fr.n, it.Ref(), err)
	}
	if it.Repository != fr.repo {
		if fr.n > 0 && it.Repository < fr.repo {
			return nil, fmt.Errorf("items[%d]: repository %q after %q: a plan lists its repositories in order, each once", fr.n, it.Repository, fr.repo)
		}
		fr.repo = it.Repository
	}
	fr.n++
	return &it, nil
}
