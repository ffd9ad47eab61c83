package report

import (
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// text renders the sections the original script printed:
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
func text(r Report) string {
	items := sorted(r.Items)
	var groups [failed + 1][]plan.Item // indexed by bucket
	for _, it := range items {
		b := classify(it, r.DryRun)
		if it.Kind == plan.KindManifest && b == preserved {
			continue // stayed because its tag did: the tag's line says why
		}
		groups[b] = append(groups[b], it)
	}
	flat := strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ") // errors.Join → one line
	oneLine := func(s string) string { return flat.Replace(strings.TrimSpace(s)) }
	reason := func(plan.Item) string { return "" }
	if r.Verbose {
		reason = func(it plan.Item) string { return oneLine(it.Reason) }
	}
	heading := "Deleted Images:"
	if r.DryRun {
		heading = "Would Delete Images:"
	}

	var b strings.Builder
	b.WriteString("Summary:\n")
	section(&b, heading, groups[deleted], reason)
	b.WriteString("\n")
	section(&b, "Preserved Images:", groups[preserved], reason)
	if len(groups[failed]) > 0 {
		b.WriteString("\n")
		section(&b, "Failed:", groups[failed], func(it plan.Item) string { return oneLine(it.Error) })
	}
	b.WriteString("\n")
	b.WriteString(Summarize(items, r.DryRun).line(r.DryRun))
	b.WriteString("\n")
	return b.String()
}

// section writes a heading and one indented line per item, with the item's
// detail in parentheses when there is one.
func section(b *strings.Builder, heading string, items []plan.Item, detail func(plan.Item) string) {
	b.WriteString(heading)
	b.WriteString("\n")
	if len(items) == 0 {
		b.WriteString("  (none)\n")
		return
	}
	for _, it := range items {
		b.WriteString("  ")
		if it.Kind == plan.KindManifest && it.Action == policy.Delete && !it.Failed() {
			b.WriteString("  + ") // goes with the tag above it
		}
		b.WriteString(it.Ref())
		if d := detail(it); d != "" {
			b.WriteString(" (")
			b.WriteString(d)
			b.WriteString(")")
		}
		b.WriteString("\n")
	}
}
