package plan

import (
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

// Item is one tag's decision, and after apply its outcome. It is what reports print.
type Item struct {
	Repository string          `json:"repository"`
	Tag        string          `json:"tag"`
	Digest     string          `json:"digest"`
	Action     policy.Action   `json:"action"`
	Done       bool            `json:"done"`
	PR         string          `json:"pr"`
	State      scm.State       `json:"state"`
	Reason     string          `json:"reason"`
	Error      string          `json:"error"`
	Method     registry.Method `json:"method,omitempty"`     // how a delete removes the tag
	SharedWith []string        `json:"sharedWith,omitempty"` // other tags on the same digest
}

// Failed reports whether something on the tag's path went wrong: it is kept and
// listed under Failed.
func (i Item) Failed() bool { return i.Error != "" }

// Ref is the tag as users write it: repository:tag.
func (i Item) Ref() string { return i.Repository + ":" + i.Tag }
