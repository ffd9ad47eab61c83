package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

// tagGrammar and repoGrammar are the OCI distribution spec's: what a registry
// can really list. The line-by-line checks of the text and Markdown outputs
// hold for such names; any string must still not make a writer panic.
var (
	tagGrammar  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	repoGrammar = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
)

// fuzzItems builds n (1…4) items from the fuzzer's strings: the same fields
// shifted, so that items differ, each with its own reference.
func fuzzItems(n uint8, repo, tag, digest, reason, errText, pr string, flags uint8) []plan.Item {
	actions := []policy.Action{policy.Delete, policy.Keep, "", policy.Action(reason)}
	states := []scm.State{scm.Merged, scm.Open, scm.Unknown, scm.State(pr)}
	items := make([]plan.Item, int(n%4)+1)
	for i := range items {
		f := flags >> i
		it := plan.Item{Repository: repo, Tag: tag, Digest: digest, Action: actions[(int(f)+i)%4],
			Done: f&1 == 1, PR: pr, State: states[(int(f)>>1+i)%4], Reason: reason}
		if f&2 == 2 {
			it.Error = errText
		}
		if i > 0 {
			it.Tag += "-" + string(rune('a'+i))
		}
		items[i] = it
	}
	return items
}

// validUTF8 is what encoding/json makes of a string: each invalid byte becomes
// U+FFFD.
func validUTF8(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		b.WriteRune(r) // utf8.RuneError for an invalid byte
		s = s[size:]
	}
	return b.String()
}

// FuzzWrite: no format panics on any items; the JSON document always decodes
// back to the same items (as JSON can carry them), in order, with counts that
// add up; and for names a registry can list, every item is one line of the text
// and one row of the Markdown table.
func FuzzWrite(f *testing.F) {
	f.Add(uint8(3), "jarvis", "PR3571-test", "sha256:3571", "PR 3571 is merged", "", "3571", uint8(0b0101), false)
	f.Add(uint8(2), "jarvis", "PR3574-test", "sha256:3574", "PR 3574 is closed", "deleting: locked\nby the registry", "3574", uint8(0b1111), true)
	f.Add(uint8(4), "team/app/api", "pr-42", "", "kept: shared | digest", "a|b\r\n<c> & \\d", "42", uint8(0b1010), false)
	f.Add(uint8(1), "r", "t", "", "", "\xff\xfe invalid utf-8", "", uint8(2), true)
	f.Add(uint8(1), "", "", "", "", "", "", uint8(0), false)
	f.Add(uint8(3), "jarvis", "`tick`", "sha256:x", "<script>alert(1)</script>", "\u2028\u2029", "0", uint8(0b0110), false)
	f.Fuzz(func(t *testing.T, n uint8, repo, tag, digest, reason, errText, pr string, flags uint8, dryRun bool) {
		items := fuzzItems(n, repo, tag, digest, reason, errText, pr, flags)
		orig := append([]plan.Item(nil), items...)
		outs := map[Format]string{}
		for _, format := range Formats() {
			var b bytes.Buffer
			if err := Write(&b, format, Report{DryRun: dryRun, Verbose: flags&0x80 != 0, Items: items}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			outs[format] = b.String()
		}
		if diff := cmp.Diff(orig, items); diff != "" {
			t.Fatalf("Write changed its items:\n%s", diff)
		}

		var doc document
		dec := json.NewDecoder(strings.NewReader(outs[JSON]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil || dec.More() {
			t.Fatalf("the JSON report does not decode as one document (%v):\n%s", err, outs[JSON])
		}
		want := sorted(items)
		for i := range want {
			it := &want[i]
			for _, s := range []*string{&it.Repository, &it.Tag, &it.Digest, &it.PR, &it.Reason, &it.Error} {
				*s = validUTF8(*s)
			}
			it.Action = policy.Action(validUTF8(string(it.Action)))
			it.State = scm.State(validUTF8(string(it.State)))
		}
		if diff := cmp.Diff(want, doc.Items, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the JSON items differ (-want +decoded):\n%s", diff)
		}
		s := Summarize(items, dryRun)
		if doc.Summary != s || doc.DryRun != dryRun || s.Deleted+s.Preserved+s.Failed != len(items) {
			t.Fatalf("summary %+v, dryRun %v; Summarize %+v for %d items", doc.Summary, doc.DryRun, s, len(items))
		}

		if !tagGrammar.MatchString(tag) || !repoGrammar.MatchString(repo) {
			return
		}
		for _, it := range items {
			ref := it.Ref()
			if got := strings.Count(outs[Text], "\n  "+ref+"\n") + strings.Count(outs[Text], "\n  "+ref+" ("); got != 1 {
				t.Fatalf("%s is on %d lines of the text report, want 1:\n%s", ref, got, outs[Text])
			}
			if got := strings.Count(outs[Markdown], "\n| `"+ref+"` |"); got != 1 {
				t.Fatalf("%s is on %d rows of the Markdown table, want 1:\n%s", ref, got, outs[Markdown])
			}
		}
		if rows := strings.Count(outs[Markdown], "\n| `"); rows != len(items) {
			t.Fatalf("%d table rows for %d items:\n%s", rows, len(items), outs[Markdown])
		}
	})
}
