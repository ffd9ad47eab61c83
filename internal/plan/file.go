package plan

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Schema names the plan file format; a reader refuses any other.
const Schema = "prsweep.plan/v1"

// Head is what a plan file says before its items.
type Head struct {
	Schema    string    `json:"schema"`
	CreatedAt time.Time `json:"createdAt"`
	Registry  string    `json:"registry"` // host[:port] the plan was made against
}

// Plan is every decision of one sweep, with its evidence: what `prsweep plan` writes
// and `prsweep apply` carries out.
type Plan struct {
	Schema    string    `json:"schema"`
	CreatedAt time.Time `json:"createdAt"`
	Registry  string    `json:"registry"` // host[:port] the plan was made against
	Items     []Item    `json:"items"`
}

// Head is the plan's head.
func (p Plan) Head() Head {
	return Head{Schema: p.Schema, CreatedAt: p.CreatedAt, Registry: p.Registry}
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
	items := slices.Clone(p.Items)
	Sort(items)
	fw := NewFileWriter(w, p.Head())
	for _, it := range items {
		fw.Write(it)
	}
	return fw.Close()
}

// ErrBadPlan marks a plan file that cannot be used.
var ErrBadPlan = errors.New("unusable plan file")

// Read parses a whole plan file, as FileReader does a repository at a time.
func Read(r io.Reader) (Plan, error) {
	fr, err := NewFileReader(r)
	if err != nil {
		return Plan{}, err
	}
	h := fr.Head()
	p := Plan{Schema: h.Schema, CreatedAt: h.CreatedAt, Registry: h.Registry}
	for {
		items, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return p, nil
		}
		if err != nil {
			return Plan{}, err
		}
		p.Items = append(p.Items, items...)
	}
}

func (i Item) check() error {
	switch {
	case i.Repository == "":
		return errors.New("no repository")
	case i.Action != "delete" && i.Action != "keep":
		return fmt.Errorf("action %q", i.Action)
	case i.Kind != KindTag && i.Kind != KindManifest:
		return fmt.Errorf("kind %q", i.Kind) // apply would carry it out without deciding it again
	case i.Done:
		return errors.New("done: a plan deletes nothing, so nothing in it is done") // apply would report it deleted
	case i.Action == "keep":
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
