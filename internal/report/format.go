package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
)

// Format is an output format.
type Format string

// The output formats.
const (
	Text     Format = "text"     // the original script's sections; the default
	JSON     Format = "json"     // one indented document
	Markdown Format = "markdown" // a table for a pipeline's job summary
)

// Formats lists the output formats, the default first.
func Formats() []Format { return []Format{Text, JSON, Markdown} }

// ParseFormat turns a format name (case-insensitive) into a Format. The error
// names the allowed values.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	switch f {
	case Text, JSON, Markdown:
		return f, nil
	}
	return "", fmt.Errorf("parsing output format %q: want text, json or markdown", s)
}

// Report is what a sweep has to say.
type Report struct {
	DryRun  bool // nothing was deleted: delete decisions read "would delete"
	Verbose bool // text: add each tag's reason
	Items   []plan.Item
}

// Write writes r to w in format f. It does not change r.Items.
func Write(w io.Writer, f Format, r Report) error {
	s, err := NewStream(w, f, r)
	if err != nil {
		return err
	}
	s.Add(r.Items)
	return s.Close()
}
