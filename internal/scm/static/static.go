// Package static is a source whose pull-request states are written down in advance:
// in the configuration or in a file. It serves offline trials, the demo and policy
// tests. A pull request it does not list is unknown, never missing: silence is not
// an answer.
package static

import (
	"context"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// Source answers from a fixed map of pull-request number to state.
type Source struct {
	states map[string]scm.State
	now    func() time.Time
}

var _ scm.Provider = (*Source)(nil)

// New returns a source that knows the given states (PR number → state).
func New(states map[string]scm.State, now func() time.Time) *Source {
	if now == nil {
		now = time.Now
	}
	return &Source{states: states, now: now}
}

// State returns the listed state. A listed "missing" is scm.ErrNotFound; an unlisted
// number is an error (state unknown).
func (s *Source) State(_ context.Context, ref scm.Ref) (scm.Status, error) {
	st, ok := s.states[ref.Number]
	switch {
	case !ok:
		return scm.Status{}, fmt.Errorf("reading PR %s: %w: not listed in the static source", ref.Number, scm.ErrUnexpected)
	case st == scm.Missing:
		return scm.Status{}, fmt.Errorf("reading PR %s: %w", ref.Number, scm.ErrNotFound)
	case st == scm.Unknown:
		return scm.Status{}, fmt.Errorf("reading PR %s: %w: listed as unknown", ref.Number, scm.ErrUnexpected)
	}
	return scm.Status{State: st, ReadAt: s.now()}, nil
}
