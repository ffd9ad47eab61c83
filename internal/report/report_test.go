package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// every returns one item for each combination of the fields that decide a
// bucket: action (delete, keep, unset) × done × failed.
func every() []plan.Item {
	var items []plan.Item
	for _, a := range []policy.Action{policy.Delete, policy.Keep, ""} {
		for _, done := range []bool{false, true} {
			for _, e := range []string{"", "boom"} {
				tag := string(a) + "-" + map[bool]string{false: "todo", true: "done"}[done] + "-" + e
				items = append(items, plan.Item{Repository: "r", Tag: tag, Action: a, Done: done, Error: e})
			}
		}
	}
	return items
}

// TestBucketsPartition checks that every item appears in exactly one section
// of the text output, and that the counts agree with the sections.
func TestBucketsPartition(t *testing.T) {
	items := every()
	for _, dryRun := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Write(&buf, Text, Report{DryRun: dryRun, Items: items}); err != nil {
			t.Fatal(err)
		}
		sections := map[string][]string{}
		var heading string
		for _, line := range strings.Split(buf.String(), "\n") {
			switch {
			case strings.HasSuffix(line, ":"):
				heading = line
			case strings.HasPrefix(line, "  ") && line != "  (none)":
				sections[heading] = append(sections[heading], strings.TrimPrefix(line, "  "))
			}
		}
		seen := map[string]int{}
		for _, refs := range sections {
			for _, ref := range refs {
				seen[strings.Fields(ref)[0]]++
			}
		}
		for _, it := range items {
			if seen[it.Ref()] != 1 {
				t.Errorf("dryRun=%v: %s is in %d sections, want 1", dryRun, it.Ref(), seen[it.Ref()])
			}
		}
		deletedHeading := "Deleted Images:"
		if dryRun {
			deletedHeading = "Would Delete Images:"
		}
		s := Summarize(items, dryRun)
		got := Summary{Deleted: len(sections[deletedHeading]), Preserved: len(sections["Preserved Images:"]), Failed: len(sections["Failed:"])}
		if s != got {
			t.Errorf("dryRun=%v: Summarize = %+v, sections hold %+v", dryRun, s, got)
		}
		if n := s.Deleted + s.Preserved + s.Failed; n != len(items) {
			t.Errorf("dryRun=%v: buckets hold %d items, want %d", dryRun, n, len(items))
		}
	}
}

func TestSummarize(t *testing.T) {
	items := every()
	// Failed always wins; a real run counts only done deletions; a dry run
	// counts every delete decision.
	if got, want := Summarize(items, false), (Summary{Deleted: 1, Preserved: 5, Failed: 6}); got != want {
		t.Errorf("real run: got %+v, want %+v", got, want)
	}
	if got, want := Summarize(items, true), (Summary{Deleted: 2, Preserved: 4, Failed: 6}); got != want {
		t.Errorf("dry run: got %+v, want %+v", got, want)
	}
	if got := Summarize(nil, false); got != (Summary{}) {
		t.Errorf("no items: got %+v", got)
	}
}

func TestSortedIsStableAndLeavesInputAlone(t *testing.T) {
	in := []plan.Item{
		{Repository: "b", Tag: "1"},
		{Repository: "a", Tag: "z", Reason: "first"},
		{Repository: "a", Tag: "Z"},
		{Repository: "a", Tag: "z", Reason: "second"},
		{Repository: "a/b", Tag: "0"},
	}
	orig := append([]plan.Item(nil), in...)
	want := []plan.Item{in[2], in[1], in[3], in[4], in[0]} // byte order: "Z" < "z", "a" < "a/b" < "b"
	if diff := cmp.Diff(want, sorted(in)); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orig, in); diff != "" {
		t.Errorf("sorted changed its input (-before +after):\n%s", diff)
	}
	if got := sorted(nil); got == nil || len(got) != 0 {
		t.Errorf("sorted(nil) = %#v, want an empty non-nil slice", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		items := fixture(dryRun)
		var buf bytes.Buffer
		if err := Write(&buf, JSON, Report{DryRun: dryRun, Items: items}); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		var doc document
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if dec.More() {
			t.Error("more than one JSON document")
		}
		if doc.DryRun != dryRun {
			t.Errorf("dryRun = %v, want %v", doc.DryRun, dryRun)
		}
		if diff := cmp.Diff(sorted(items), doc.Items, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if want := Summarize(items, dryRun); doc.Summary != want {
			t.Errorf("summary = %+v, want %+v", doc.Summary, want)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	tests := []struct {
		f    Format
		want []string
	}{
		{Text, []string{"Deleted Images:\n  (none)\n\nPreserved Images:\n  (none)\n\n0 deleted, 0 preserved, 0 failed\n"}},
		{JSON, []string{`"items": []`, `"failed": 0`}},
		{Markdown, []string{"0 deleted, 0 preserved, 0 failed", "No images."}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, tt.f, Report{}); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", tt.f, w, buf.String())
			}
		}
		if tt.f == Text && strings.Contains(buf.String(), "Failed:") {
			t.Errorf("text prints Failed: with nothing failed:\n%s", buf.String())
		}
	}
}

func TestMultiLineMessages(t *testing.T) {
	items := []plan.Item{{Repository: "r", Tag: "t", Action: policy.Delete,
		Error: "deleting r:t: a|b\nsecond <error> & more\r\nthird \\ end"}}
	var md, txt bytes.Buffer
	if err := Write(&md, Markdown, Report{Items: items}); err != nil {
		t.Fatal(err)
	}
	wantRow := "| `r:t` | delete | failed | deleting r:t: a\\|b<br>second &lt;error&gt; &amp; more<br>third \\\\ end |\n"
	if !strings.HasSuffix(md.String(), wantRow) {
		t.Errorf("markdown row:\n got %q\nwant suffix %q", md.String(), wantRow)
	}
	if err := Write(&txt, Text, Report{Items: items}); err != nil {
		t.Fatal(err)
	}
	wantLine := "  r:t (deleting r:t: a|b; second <error> & more; third \\ end)\n"
	if !strings.Contains(txt.String(), wantLine) {
		t.Errorf("text lacks %q:\n%s", wantLine, txt.String())
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"text", "json", "markdown", "JSON", " Markdown "} {
		f, err := ParseFormat(s)
		if err != nil || !strings.EqualFold(string(f), strings.TrimSpace(s)) {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "xml", "md", "texts"} {
		_, err := ParseFormat(s)
		if err == nil {
			t.Errorf("ParseFormat(%q) succeeded", s)
			continue
		}
		for _, f := range Formats() {
			if !strings.Contains(err.Error(), string(f)) {
				t.Errorf("ParseFormat(%q) error %q does not name %q", s, err, f)
			}
		}
	}
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteErrors(t *testing.T) {
	for _, f := range Formats() {
		if err := Write(failingWriter{}, f, Report{}); !errors.Is(err, errWrite) {
			t.Errorf("%s: err = %v, want %v", f, err, errWrite)
		}
	}
	if err := Write(&bytes.Buffer{}, Format("xml"), Report{}); err == nil {
		t.Error("Write accepted an unknown format")
	}
}
