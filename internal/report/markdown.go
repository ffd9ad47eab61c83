package report

import (
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
)

// markdown renders a job summary: a heading, the counts, and one table row per
// item. The Reason column always shows (for a failed item, its error), so
// Verbose changes nothing.
func markdown(r Report) string {
	items := sorted(r.Items)
	var b strings.Builder
	b.WriteString("## prsweep")
	if r.DryRun {
		b.WriteString(" (dry run)")
	}
	b.WriteString("\n\n")
	b.WriteString(Summarize(items, r.DryRun).line(r.DryRun))
	b.WriteString("\n\n")
	if len(items) == 0 {
		b.WriteString("No images.\n")
		return b.String()
	}
	esc := cellEscaper()
	b.WriteString("| Image | Action | Result | Reason |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, it := range items {
		reason := it.Reason
		if it.Failed() {
			reason = it.Error
		}
		row(&b, esc, "`"+it.Ref()+"`", string(it.Action), result(it, r.DryRun), reason)
	}
	return b.String()
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
