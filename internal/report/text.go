package report

import (
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// The text report is the sections the original script printed:
//
//	Summary:
//	Deleted Images:
//	  jarvis:PR3571-test
//
//	Preserved Images:
//	  jarvis:5.32.0-develop
//
//	Failed:
//	  jarvis:PR3589-test (looking up PR 3589: …)
//
//	1 deleted, 1 preserved, 1 failed
//
// Deleted and Preserved are always printed, Failed only when something failed.

// textSection is the section of an item's line: its bucket; none for a manifest
// that stayed because its tag did (the tag's line says why).
func textSection(it plan.Item, dryRun bool) (int, bool) {
	b := classify(it, dryRun)
	if it.Kind == plan.KindManifest && b == preserved {
		return 0, false
	}
	return int(b), true
}

// textSections renders one repository's sorted items as lines of each section.
func (s *Stream) textSections(items []plan.Item) [sections][]byte {
	var out [sections]strings.Builder
	for _, it := range items {
		sec, ok := textSection(it, s.dryRun)
		if !ok {
			continue
		}
		detail := ""
		switch {
		case bucket(sec) == failed:
			detail = oneLine(it.Error)
		case s.verbose:
			detail = oneLine(it.Reason)
		}
		line(&out[sec], it, detail)
	}
	var b [sections][]byte
	for i := range out {
		b[i] = []byte(out[i].String())
	}
	return b
}

func (s *Stream) closeText(out *errWriter) {
	heading := "Deleted Images:"
	if s.dryRun {
		heading = "Would Delete Images:"
	}
	out.WriteString("Summary:\n")
	s.textSection(out, heading, deleted)
	out.WriteString("\n")
	s.textSection(out, "Preserved Images:", preserved)
	if s.lines[failed] > 0 {
		out.WriteString("\n")
		s.textSection(out, "Failed:", failed)
	}
	out.WriteString("\n")
	out.WriteString(s.sum.line(s.dryRun))
	out.WriteString("\n")
}

// textSection writes a heading and its lines, or "(none)".
func (s *Stream) textSection(out *errWriter, heading string, b bucket) {
	out.WriteString(heading)
	out.WriteString("\n")
	if s.lines[b] == 0 {
		out.WriteString("  (none)\n")
		return
	}
	s.copyParts(out, int(b), "")
}

var flat = strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ") // errors.Join → one line

func oneLine(s string) string { return flat.Replace(strings.TrimSpace(s)) }

// line writes one indented line for an item, with its detail in parentheses
// when there is one.
func line(b *strings.Builder, it plan.Item, detail string) {
	b.WriteString("  ")
	if it.Kind == plan.KindManifest && it.Action == policy.Delete && !it.Failed() {
		b.WriteString("  + ") // goes with the tag above it
	}
	b.WriteString(it.Ref())
	if detail != "" {
		b.WriteString(" (")
		b.WriteString(detail)
		b.WriteString(")")
	}
	b.WriteString("\n")
}
