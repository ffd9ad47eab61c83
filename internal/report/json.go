package report

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/prsweep/prsweep/internal/plan"
)

// The JSON report is one document, indented by two spaces, with a trailing
// newline: {"dryRun": …, "items": […], "summary": {…}}, items sorted and [] rather
// than null. Every format reports the reason, so Verbose changes nothing.

// document is the JSON report's shape.
type document struct {
	DryRun  bool        `json:"dryRun"`
	Items   []plan.Item `json:"items"` // sorted; [] rather than null
	Summary Summary     `json:"summary"`
}

// jsonItems renders items as the elements of the items array, separated by
// commas, without the last one's.
func jsonItems(items []plan.Item) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false) // a terminal and jq, not a browser, read it
	for i, it := range items {
		if i > 0 {
			b.Truncate(b.Len() - 1) // the encoder's newline
			b.WriteString(",\n")
		}
		b.WriteString("    ")
		if err := enc.Encode(it); err != nil {
			// An Item has no field that can fail to encode.
			panic(fmt.Sprintf("report: encoding an item: %v", err))
		}
	}
	if b.Len() > 0 {
		b.Truncate(b.Len() - 1)
	}
	return b.Bytes()
}

func (s *Stream) closeJSON(out *errWriter) {
	fmt.Fprintf(&stringWriter{out}, "{\n  \"dryRun\": %t,\n  \"items\": [", s.dryRun)
	if s.items > 0 {
		out.WriteString("\n")
		s.copyParts(out, 0, ",\n")
		out.WriteString("\n  ")
	}
	sum, _ := json.MarshalIndent(s.sum, "  ", "  ")
	out.WriteString("],\n  \"summary\": ")
	out.WriteString(string(sum))
	out.WriteString("\n}\n")
}

type stringWriter struct{ e *errWriter }

func (w *stringWriter) Write(p []byte) (int, error) {
	w.e.WriteString(string(p))
	return len(p), w.e.err
}
