package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Schema names the plan file format; a reader refuses any other.
const Schema = "prsweep.plan/v1"

// Plan is every decision of one sweep, with its evidence: what `prsweep plan` writes
// and `prsweep apply` carries out.
type Plan struct {
	Schema    string    `json:"schema"`
	CreatedAt time.Time `json:"createdAt"`
	Registry  string    `json:"registry"` // host[:port] the plan was made against
	Items     []Item    `json:"items"`
}

// Sort puts items in the order plans and reports show them: by repository, then
// tags by name, each manifest item after the tag it goes with.
func Sort(items []Item) {
	key := func(it Item) (string, string, string) {
		if it.Kind == KindManifest {
			_, tag, _ := strings.Cut(it.LinkedTo, ":")
			return it.Repository, tag, it.Digest
		}
		return it.Repository, it.Tag, ""
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		ar, at, ad := key(a)
		br, bt, bd := key(b)
		return cmpStrings(ar, br, at, bt, ad, bd)
	})
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// Write writes the plan as JSON with one item per line, so that `diff` between two
// plans shows which decisions changed.
func Write(w io.Writer, p Plan) error {
	p.Schema = Schema
	items := slices.Clone(p.Items)
	Sort(items)
	head, err := json.Marshal(struct {
		Schema    string    `json:"schema"`
		CreatedAt time.Time `json:"createdAt"`
		Registry  string    `json:"registry"`
	}{p.Schema, p.CreatedAt.UTC(), p.Registry})
	if err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.Write(head[:len(head)-1])
	bw.WriteString(",\n\"items\": [")
	for i, it := range items {
		line, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		bw.Write(line)
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}

// ErrBadPlan marks a plan file that cannot be used.
var ErrBadPlan = errors.New("unusable plan file")

// Read parses a plan file, refusing unknown fields, another schema, or items that
// make no sense (a delete without a digest or a method).
func Read(r io.Reader) (Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return Plan{}, fmt.Errorf("reading the plan: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("%w: %w", ErrBadPlan, err)
	}
	if dec.More() {
		return Plan{}, fmt.Errorf("%w: data after the plan", ErrBadPlan)
	}
	if p.Schema != Schema {
		return Plan{}, fmt.Errorf("%w: schema %q, want %q", ErrBadPlan, p.Schema, Schema)
	}
	if p.CreatedAt.IsZero() || p.Registry == "" {
		return Plan{}, fmt.Errorf("%w: createdAt and registry are required", ErrBadPlan)
	}
	for i, it := range p.Items {
		if err := it.check(); err != nil {
			return Plan{}, fmt.Errorf("%w: items[%d] (%s): %w", ErrBadPlan, i, it.Ref(), err)
		}
	}
	return p, nil
}

func (i Item) check() error {
	switch {
	case i.Repository == "":
		return errors.New("no repository")
	case i.Action != "delete" && i.Action != "keep":
		return fmt.Errorf("action %q", i.Action)
	case i.Action == "keep", i.Done:
		return nil // nothing to carry out
	case i.Digest == "" || !strings.HasPrefix(i.Digest, "sha256:") && !strings.HasPrefix(i.Digest, "sha512:"):
		return fmt.Errorf("delete without a digest (%q)", i.Digest)
	case i.Method == "":
		return errors.New("delete without a method")
	case i.Kind == KindManifest && i.LinkedTo == "":
		return errors.New("manifest without the tag it goes with")
	case i.Kind == KindTag && i.Tag == "":
		return errors.New("tag delete without a tag")
	}
	return nil
}
