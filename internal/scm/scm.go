package scm

import (
	"context"
	"errors"
	"time"
)

// State is a pull request's state as prsweep understands it.
type State string

const (
	Open    State = "open"    // open or draft
	Merged  State = "merged"  // merged / completed
	Closed  State = "closed"  // abandoned or closed without merging
	Missing State = "missing" // the source answered that no such pull request exists
	Unknown State = "unknown" // anything else: an error, a refusal, an unexpected answer
)

// ParseState turns a configured state name into a State.
func ParseState(s string) (State, bool) {
	switch st := State(s); st {
	case Open, Merged, Closed, Missing, Unknown:
		return st, true
	}
	return "", false
}

// Sentinel errors adapters return. Anything but ErrNotFound makes the state unknown.
var (
	// ErrNotFound: the source positively answered that the pull request does not exist.
	ErrNotFound = errors.New("pull request not found")
	// ErrUnauthorized: the source refused the credentials (or answered with a sign-in page).
	ErrUnauthorized = errors.New("credentials refused by the source")
	// ErrUnexpected: the answer was not what the API documents.
	ErrUnexpected = errors.New("unexpected answer from the source")
)

// Ref names one pull request.
type Ref struct {
	Source string // the configured source's name
	Repo   string // github owner/name, gitlab group/project; empty where ids are project-wide
	Number string // the pull-request number as it appears in the tag, e.g. "3571"
}

func (r Ref) String() string {
	if r.Repo == "" {
		return r.Source + "#" + r.Number
	}
	return r.Source + ":" + r.Repo + "#" + r.Number
}

// Status is what a source said about a pull request.
type Status struct {
	State    State
	ClosedAt time.Time // zero when open or unknown
	ReadAt   time.Time // when the source answered
	Error    string    // why the state is unknown, when it is
}

// Provider reads pull-request states from one source.
type Provider interface {
	// State returns the pull request's state. A non-nil error means the state could
	// not be read; errors.Is(err, ErrNotFound) means it positively does not exist.
	State(ctx context.Context, ref Ref) (Status, error)
}

// Batcher is a provider that reads many pull requests in one request (GitHub's
// GraphQL aliases, GitLab's iids[]). States returns what the source answered for
// each ref it could read; a ref absent from the map (the batch failed, or the
// answer did not name it) is then read alone through State: absence from a batch
// is never a state. The provider splits refs into batches of the size its API
// allows.
type Batcher interface {
	States(ctx context.Context, refs []Ref) map[Ref]Status
}

// Checker is a provider that can prove its credentials and permissions itself
// (prsweep validate), for the code repositories rules name (repos; empty where
// pull-request ids are project-wide). nil means every check passed.
type Checker interface {
	Check(ctx context.Context, repos []string) error
}
