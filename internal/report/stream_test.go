package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

// manyRepos is n repositories of m tags each, in a mix of outcomes, with long
// enough reasons that a few thousand items pass the spill's threshold.
func manyRepos(n, m int) [][]plan.Item {
	var out [][]plan.Item
	for r := range n {
		var items []plan.Item
		for t := range m {
			it := plan.Item{Repository: fmt.Sprintf("team/app-%03d", r), Tag: fmt.Sprintf("PR%d-b%d", t*7%m, t),
				Digest: fmt.Sprintf("sha256:%064x", r*m+t), PR: fmt.Sprint(t), State: scm.Merged,
				Reason: fmt.Sprintf("PR %d is merged, %0100d", t, t)}
			switch t % 4 {
			case 0, 1:
				it.Action, it.Done = policy.Delete, true
			case 2:
				it.Action = policy.Keep
			case 3:
				it.Action, it.Error = policy.Delete, "deleting: locked\nby the registry"
			}
			items = append(items, it)
		}
		out = append(out, items)
	}
	return out
}

// A Stream fed repository by repository, from many goroutines and in any order,
// writes what Write writes for all the items at once, spilled or not.
func TestStreamMatchesWrite(t *testing.T) {
	for _, size := range []struct{ repos, tags int }{{3, 5}, {20, 50}} {
		repos := manyRepos(size.repos, size.tags)
		var all []plan.Item
		for _, items := range repos {
			all = append(all, items...)
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(repos), func(i, j int) { repos[i], repos[j] = repos[j], repos[i] })
		for _, f := range Formats() {
			for _, dryRun := range []bool{false, true} {
				r := Report{DryRun: dryRun, Verbose: true}
				var want, got bytes.Buffer
				if err := Write(&want, f, Report{DryRun: dryRun, Verbose: true, Items: all}); err != nil {
					t.Fatal(err)
				}
				s, err := NewStream(&got, f, r)
				if err != nil {
					t.Fatal(err)
				}
				s.spill.At = 8 << 10
				var wg sync.WaitGroup
				for _, items := range repos {
					wg.Go(func() { s.Add(items) })
				}
				wg.Wait()
				if sum := s.Summary(); sum != Summarize(all, dryRun) {
					t.Errorf("%s: summary %+v, want %+v", f, sum, Summarize(all, dryRun))
				}
				if spilled := s.spill.Spilled(); spilled != (size.repos > 3) {
					t.Errorf("%s, %d×%d: spilled to a file: %v", f, size.repos, size.tags, spilled)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s, %d×%d, dry run %v: the stream differs from Write", f, size.repos, size.tags, dryRun)
				}
			}
		}
	}
}

// The JSON report is byte for byte what encoding/json makes of the document.
func TestJSONIsTheEncodedDocument(t *testing.T) {
	for _, items := range [][]plan.Item{nil, fixture(false), manyRepos(2, 3)[1]} {
		var got, want bytes.Buffer
		if err := Write(&got, JSON, Report{Items: items}); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(document{Items: sorted(items), Summary: Summarize(items, false)}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("(-encoded +written):\n%s", diff)
		}
	}
}
