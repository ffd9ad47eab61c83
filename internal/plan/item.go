package plan

import (
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

// Kinds of item.
const (
	KindTag      = ""         // a tag (the default)
	KindManifest = "manifest" // an untagged manifest removed with a deleted tag (child, referrer)
)

// Item is one tag's decision with its evidence, and after apply its outcome. It is
// what plan files hold and reports print.
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

	// Evidence: which rule matched, which source was asked and when it answered.
	Rule   int       `json:"rule,omitempty"`   // 1-based; 0 when no rule matched
	Source string    `json:"source,omitempty"` // the source asked about the PR
	PRRepo string    `json:"prRepo,omitempty"` // the PR's repository, where numbers are per repository
	ReadAt time.Time `json:"readAt,omitzero"`  // when the source answered
	KeptBy string    `json:"keptBy,omitempty"` // the keep pattern the tag matched

	// Graph: manifests removed along with a deleted tag.
	Kind     string   `json:"kind,omitempty"`     // KindTag or KindManifest
	LinkedTo string   `json:"linkedTo,omitempty"` // what must be deleted first: the tag (or index) they go with
	Via      string   `json:"via,omitempty"`      // manifest items: why they go (ViaUntagged, ViaChild, ViaReferrer)
	Removes  []string `json:"removes,omitempty"`  // tag items: the manifests that go with them
	Size     int64    `json:"size,omitempty"`     // bytes, where the registry says
}

// Failed reports whether something on the tag's path went wrong: it is kept and
// listed under Failed.
func (i Item) Failed() bool { return i.Error != "" }

// Ref is the tag as users write it, repository:tag, or repository@digest for a
// manifest removed with a tag.
func (i Item) Ref() string {
	if i.Kind == KindManifest {
		return i.Repository + "@" + i.Digest
	}
	return i.Repository + ":" + i.Tag
}

// PRRef is the pull request the item's decision rests on; ok is false when none.
func (i Item) PRRef() (scm.Ref, bool) {
	if i.PR == "" || i.Source == "" {
		return scm.Ref{}, false
	}
	return scm.Ref{Source: i.Source, Repo: i.PRRepo, Number: i.PR}, true
}
