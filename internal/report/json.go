package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
)

// document is the JSON output: {"dryRun": …, "items": […], "summary": {…}}.
type document struct {
	DryRun  bool        `json:"dryRun"`
	Items   []plan.Item `json:"items"` // sorted; [] rather than null
	Summary Summary     `json:"summary"`
}

// jsonDoc renders r as one JSON document, indented by two spaces, with a
// trailing newline. Every format reports the reason, so Verbose changes nothing.
func jsonDoc(r Report) (string, error) {
	items := sorted(r.Items)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a terminal and jq, not a browser, read it
	err := enc.Encode(document{DryRun: r.DryRun, Items: items, Summary: Summarize(items, r.DryRun)})
	if err != nil {
		return "", fmt.Errorf("encoding report: %w", err)
	}
	return b.String(), nil
}
