package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/spill"
)

// Stream writes a report as a sweep's repositories finish, so that memory holds
// the counts and where each repository's part is, not every item: Add renders a
// repository's items at once into a spill (a temporary file past a few
// megabytes), and Close writes the parts in plan order, by repository, with
// the headings and the summary around them. Write is a Stream given every item
// at once, so both print the same bytes. Add is safe for concurrent use.
type Stream struct {
	w       io.Writer
	f       Format
	dryRun  bool
	verbose bool

	mu    sync.Mutex
	spill spill.Spill
	parts []part
	lines [sections]int // lines rendered into each section
	items int
	sum   Summary
	err   error
}

// A format renders into at most three sections: text's deleted, preserved and
// failed lines; json and markdown use the first only.
const sections = 3

// part is one repository's rendered sections in the spill.
type part struct {
	repo string
	seq  int // Add order, for parts of one repository
	at   [sections]spill.Span
}

// NewStream returns a Stream writing r's format to w; r.Items are ignored (Add
// them). Close it even on failure: it removes the spill.
func NewStream(w io.Writer, f Format, r Report) (*Stream, error) {
	switch f {
	case Text, JSON, Markdown:
	default:
		return nil, fmt.Errorf("writing report: unknown output format %q", string(f))
	}
	return &Stream{w: w, f: f, dryRun: r.DryRun, verbose: r.Verbose}, nil
}

// Add takes finished items, normally one repository's. It does not change
// items, and keeps nothing of them but their rendering and their counts.
func (s *Stream) Add(items []plan.Item) {
	if len(items) == 0 {
		return
	}
	sorted := sorted(items)
	var rendered []part
	var bufs [][sections][]byte
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].Repository == sorted[i].Repository {
			j++
		}
		rendered = append(rendered, part{repo: sorted[i].Repository})
		bufs = append(bufs, s.render(sorted[i:j]))
		i = j
	}
	var lines [sections]int
	for _, it := range sorted {
		if sec, ok := s.section(it); ok {
			lines[sec]++
		}
	}
	sum := Summarize(sorted, s.dryRun)

	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range rendered {
		rendered[k].seq = len(s.parts)
		for sec, b := range bufs[k] {
			sp, err := s.spill.Write(b)
			if err != nil && s.err == nil {
				s.err = err
			}
			rendered[k].at[sec] = sp
		}
		s.parts = append(s.parts, rendered[k])
	}
	for sec, n := range lines {
		s.lines[sec] += n
	}
	s.items += len(sorted)
	s.sum.add(sum)
}

// Summary counts what was added so far.
func (s *Stream) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sum
}

// Discard removes the spill and writes nothing: for a sweep that failed before
// its report.
func (s *Stream) Discard() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spill.Close()
}

// Close writes the report and removes the spill. Add must not be called after.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.spill.Close()
	if s.err != nil {
		return fmt.Errorf("writing report: %w", s.err)
	}
	slices.SortStableFunc(s.parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(a.repo, b.repo), cmp.Compare(a.seq, b.seq))
	})
	out := &errWriter{w: s.w}
	switch s.f {
	case Text:
		s.closeText(out)
	case JSON:
		s.closeJSON(out)
	case Markdown:
		s.closeMarkdown(out)
	}
	if out.err != nil {
		return fmt.Errorf("writing report: %w", out.err)
	}
	return nil
}

// render renders one repository's sorted items into the format's sections.
func (s *Stream) render(items []plan.Item) [sections][]byte {
	switch s.f {
	case Text:
		return s.textSections(items)
	case JSON:
		return [sections][]byte{jsonItems(items)}
	default:
		return [sections][]byte{markdownRows(items, s.dryRun)}
	}
}

// section says which section an item's line goes to, if any.
func (s *Stream) section(it plan.Item) (int, bool) {
	if s.f != Text {
		return 0, true
	}
	return textSection(it, s.dryRun)
}

// copyParts writes section sec of every part, in order, with sep between
// non-empty parts.
func (s *Stream) copyParts(out *errWriter, sec int, sep string) {
	first := true
	for _, p := range s.parts {
		if p.at[sec].N == 0 {
			continue
		}
		if !first {
			out.WriteString(sep)
		}
		first = false
		if out.err == nil {
			out.err = s.spill.CopyTo(out.w, p.at[sec])
		}
	}
}

func (sum *Summary) add(o Summary) {
	sum.Deleted += o.Deleted
	sum.Preserved += o.Preserved
	sum.Failed += o.Failed
	sum.Manifests += o.Manifests
	sum.Bytes += o.Bytes
}

// errWriter keeps the first error and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) WriteString(str string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, str)
	}
}
