// Package resolve asks the sources for the state of each pull request a sweep needs,
// each distinct pull request once, with bounded concurrency. Whatever goes wrong on
// the way makes that pull request's state unknown, with the error kept as evidence;
// only a positive "no such pull request" makes it missing. It imports scm and
// nothing below it.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/scm"
)

// Resolver reads pull-request states from the configured sources.
type Resolver struct {
	Providers   map[string]scm.Provider // by source name
	Concurrency int
	Now         func() time.Time
	Logger      *slog.Logger
}

// States returns a status for every ref; refs asked twice are read once.
func (r Resolver) States(ctx context.Context, refs []scm.Ref) map[scm.Ref]scm.Status {
	out := make(map[scm.Ref]scm.Status, len(refs))
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(max(r.Concurrency, 1))
	for _, ref := range refs {
		mu.Lock()
		_, seen := out[ref]
		if !seen {
			out[ref] = scm.Status{State: scm.Unknown, Error: "not read"}
		}
		mu.Unlock()
		if seen {
			continue
		}
		g.Go(func() error {
			st := r.read(ctx, ref)
			mu.Lock()
			out[ref] = st
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return out
}

func (r Resolver) read(ctx context.Context, ref scm.Ref) scm.Status {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	p, ok := r.Providers[ref.Source]
	if !ok {
		return scm.Status{State: scm.Unknown, ReadAt: now(), Error: fmt.Sprintf("no source named %q", ref.Source)}
	}
	st, err := p.State(ctx, ref)
	switch {
	case errors.Is(err, scm.ErrNotFound):
		st = scm.Status{State: scm.Missing, ReadAt: now()}
	case err == nil && st.State != scm.Unknown && st.State != "":
	case err == nil:
		err = fmt.Errorf("reading PR %s: %w: no state given", ref.Number, scm.ErrUnexpected)
		fallthrough
	default:
		st = scm.Status{State: scm.Unknown, ReadAt: now(), Error: err.Error()}
	}
	if st.ReadAt.IsZero() {
		st.ReadAt = now()
	}
	if r.Logger != nil {
		r.Logger.Debug("pull request read", "ref", ref.String(), "state", st.State, "error", st.Error)
	}
	return st
}
