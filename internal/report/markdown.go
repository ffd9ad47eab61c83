package report

import (
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
)

// The markdown report is a job summary: a heading, the counts, and one table row
// per item. The Reason column always shows (for a failed item, its error), so
// Verbose changes nothing.

// markdownRows renders one table row per item.
func markdownRows(items []plan.Item, dryRun bool) []byte {
	esc := cellEscaper()
	var b strings.Builder
	for _, it := range items {
		reason := it.Reason
		if it.Failed() {
			reason = it.Error
		}
		row(&b, esc, "`"+it.Ref()+"`", string(it.Action), result(it, dryRun), reason)
	}
	return []byte(b.String())
}

func (s *Stream) closeMarkdown(out *errWriter) {
	out.WriteString("## prsweep")
	if s.dryRun {
		out.WriteString(" (dry run)")
	}
	out.WriteString("\n\n")
	out.WriteString(s.sum.line(s.dryRun))
	out.WriteString("\n\n")
	if s.items == 0 {
		out.WriteString("No images.\n")
		return
	}
	out.WriteString("| Image | Action | Result | Reason |\n")
	out.WriteString("|---|---|---|---|\n")
	s.copyParts(out, 0, "")
}

// result is the Result column: deleted, would delete, kept or failed.
func result(it plan.Item, dryRun bool) string {
	switch classify(it, dryRun) {
	case failed:
		return "failed"
	case deleted:
		if dryRun {
			return "would delete"
		}
		return "deleted"
	default:
		return "kept"
	}
}

func row(b *strings.Builder, esc *strings.Replacer, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(esc.Replace(strings.TrimSpace(c)))
		b.WriteString(" |")
	}
	b.WriteString("\n")
}

// cellEscaper escapes what would end a table cell or row, or be read as HTML.
// Line breaks become <br>, which GitHub and Azure DevOps render inside a cell.
func cellEscaper() *strings.Replacer {
	return strings.NewReplacer(
		`\`, `\\`,
		"|", `\|`,
		"&", "&amp;",
		"<", "&lt;",
		">", "&gt;",
		"\r\n", "<br>",
		"\n", "<br>",
		"\r", "<br>",
	)
}
