package sweep

import (
	"context"
	"fmt"
	"time"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/resolve"
	"github.com/prsweep/prsweep/internal/scm"
)

// decide matches every tag of one listed repository, reads the states it needs
// (each pull request once per sweep, through the cache), and decides each tag.
func (s *Sweeper) decide(ctx context.Context, l discover.Repository, cache *resolve.Cache) []plan.Item {
	matches := make([]policy.Match, len(l.Tags))
	var refs []scm.Ref
	for i, tag := range l.Tags {
		matches[i] = s.Policy.Match(l.Name, tag)
		if matches[i].NeedsLookup() && s.inScope(matches[i]) {
			refs = append(refs, matches[i].Ref)
		}
	}
	states := cache.States(ctx, refs)
	now := s.now()
	items := make([]plan.Item, len(l.Tags))
	for i, tag := range l.Tags {
		items[i] = s.item(l.Name, tag, matches[i], states[matches[i].Ref], now)
	}
	return items
}

// item is one tag's decision with its evidence.
func (s *Sweeper) item(repo, tag string, m policy.Match, st scm.Status, now time.Time) plan.Item {
	if !m.NeedsLookup() {
		st = scm.Status{}
	} else if !s.inScope(m) {
		return s.outOfScope(repo, tag, m)
	}
	d := s.Policy.Decide(m, st, now)
	it := plan.Item{Repository: repo, Tag: tag, Action: d.Action, Reason: d.Reason, Rule: m.Rule + 1,
		PR: m.PR, Source: m.Ref.Source, PRRepo: m.Ref.Repo, State: st.State, ReadAt: st.ReadAt, KeptBy: m.Kept}
	if m.NeedsLookup() && st.State == scm.Unknown {
		it.Error = st.Error
	}
	return it
}

// Redecide re-reads the pull requests of a saved plan's deletions and decides them
// again under the current rules, the images' minAge included; whatever no longer
// deletes is kept, saying what changed (safety rules 1 and 5 for `prsweep apply`).
func (s *Sweeper) Redecide(ctx context.Context, items []plan.Item) {
	s.redecide(ctx, items, s.newCache())
}

// redecide is Redecide with the states of the pull requests read so far.
func (s *Sweeper) redecide(ctx context.Context, items []plan.Item, cache *resolve.Cache) {
	var refs []scm.Ref
	for _, it := range items {
		if ref, ok := it.PRRef(); ok && it.Action == policy.Delete && it.Kind == plan.KindTag {
			refs = append(refs, ref)
		}
	}
	states := cache.States(ctx, refs)
	now := s.now()
	digestOf := map[string]string{}
	for _, it := range items {
		digestOf[it.Ref()] = it.Digest
	}
	for i := range items {
		it := &items[i]
		if off := s.graphOff(*it); it.Action == policy.Delete && off != "" {
			it.Action, it.Method = policy.Keep, ""
			it.Reason += "; kept: " + off + " now"
			continue
		}
		if it.Action != policy.Delete || it.Kind != plan.KindTag {
			continue
		}
		if it.LinkedTo != "" {
			// A referrer tag goes only with the image it belongs to (apply checks that
			// the owner went first).
			if plan.SubjectOfTag(it.Tag) != digestOf[it.LinkedTo] || s.Policy.Match(it.Repository, it.Tag).Kept != "" {
				it.Action, it.Method = policy.Keep, ""
				it.Reason += "; kept: not a signature or attestation of " + it.LinkedTo
			}
			continue
		}
		m := s.Policy.Match(it.Repository, it.Tag)
		ref, _ := it.PRRef()
		if m.Ref != ref || m.Rule+1 != it.Rule {
			it.Action, it.Method = policy.Keep, ""
			it.Reason += "; kept: the rules changed since the plan"
			continue
		}
		fresh := s.item(it.Repository, it.Tag, m, states[ref], now)
		it.State, it.ReadAt = fresh.State, fresh.ReadAt
		if fresh.Action != policy.Delete {
			it.Action, it.Method, it.Error = policy.Keep, "", fresh.Error
			it.Reason = fmt.Sprintf("%s; kept: now %s", it.Reason, fresh.Reason)
		}
	}
	s.recheckAges(ctx, items)
}

// graphOff names the setting under which it, planned to go with a deleted image
// (its signature, its manifest left untagged), no longer goes; "" if none.
func (s *Sweeper) graphOff(it plan.Item) string {
	switch {
	case s.Graph.KeepReferrers && (it.Via == plan.ViaReferrer || it.Kind == plan.KindTag && it.LinkedTo != ""):
		return "referrers: keep"
	case !s.Graph.UntaggedDelete && it.Via == plan.ViaUntagged:
		return "untagged: keep"
	}
	return ""
}
