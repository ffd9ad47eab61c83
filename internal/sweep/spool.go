package sweep

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/spill"
)

// spool holds a whole plan without holding it in memory: each repository's items,
// added as the repository is decided (from several goroutines, in any order), go
// to a spill (a temporary file past a few megabytes) with the counts the safety
// limits weigh, and come back in plan order, a repository at a time. It is how a
// safety limit, `prsweep plan` and `prsweep apply` see a million tags whole.
type spool struct {
	mu      sync.Mutex
	spill   spill.Spill
	parts   []spoolPart
	total   plan.Tally
	perRepo map[string]plan.Tally
	err     error // the first error writing the spill
	limit   error // set by enforce: every delete read back is kept, naming it
}

type spoolPart struct {
	repo string
	seq  int // add order, for parts of one repository
	at   spill.Span
}

// add takes finished items, normally one repository's; it sorts them in place.
func (s *spool) add(items []plan.Item) {
	plan.Sort(items)
	type part struct {
		repo string
		data []byte
	}
	var parts []part
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	total, perRepo := plan.Tally{}, map[string]plan.Tally{}
	var encErr error
	for i, it := range items {
		if err := enc.Encode(it); err != nil && encErr == nil {
			encErr = err
		}
		total = total.Add(it)
		perRepo[it.Repository] = perRepo[it.Repository].Add(it)
		if i+1 == len(items) || items[i+1].Repository != it.Repository {
			parts = append(parts, part{it.Repository, slices.Clone(buf.Bytes())})
			buf.Reset()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perRepo == nil {
		s.perRepo = map[string]plan.Tally{}
	}
	s.err = cmp.Or(s.err, encErr)
	for _, p := range parts {
		at, err := s.spill.Write(p.data)
		s.err = cmp.Or(s.err, err)
		s.parts = append(s.parts, spoolPart{repo: p.repo, seq: len(s.parts), at: at})
	}
	s.total.Planned += total.Planned
	s.total.Seen += total.Seen
	for repo, t := range perRepo {
		r := s.perRepo[repo]
		s.perRepo[repo] = plan.Tally{Planned: r.Planned + t.Planned, Seen: r.Seen + t.Seen}
	}
}

// enforce checks the safety limits on the whole plan. Over one, it returns the
// *plan.LimitError, and each reads every delete back as a keep naming it.
func (s *spool) enforce(l plan.Limits) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = l.Exceeded(s.total, s.perRepo)
	return s.limit
}

// each calls fn with each repository's items in plan order, one repository at a
// time. Add must not be called meanwhile.
func (s *spool) each(fn func(items []plan.Item)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return fmt.Errorf("keeping the plan: %w", s.err)
	}
	slices.SortStableFunc(s.parts, func(a, b spoolPart) int {
		return cmp.Or(cmp.Compare(a.repo, b.repo), cmp.Compare(a.seq, b.seq))
	})
	for i := 0; i < len(s.parts); {
		var items []plan.Item
		j := i
		for ; j < len(s.parts) && s.parts[j].repo == s.parts[i].repo; j++ {
			dec := json.NewDecoder(s.spill.Reader(s.parts[j].at))
			for {
				var it plan.Item
				if err := dec.Decode(&it); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					return fmt.Errorf("reading the plan back: %w", err)
				}
				items = append(items, it)
			}
		}
		if j-i > 1 {
			plan.Sort(items)
		}
		i = j
		if s.limit != nil {
			plan.Keep(items, s.limit)
		}
		fn(items)
	}
	return nil
}

// close removes the spill.
func (s *spool) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spill.Close()
}
