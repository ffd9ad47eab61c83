package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

// Rule says which tags belong to pull requests and when they go.
type Rule struct {
	Repositories []string       // path globs; empty matches every repository
	Tags         *regexp.Regexp // must have a named group "pr"
	Source       string         // the source that knows the pull requests
	Repo         string         // github owner/name or gitlab group/project, where PR numbers are per repository
	Delete       []scm.State    // states after which the tag goes
	After        time.Duration  // grace period after the pull request closed
	MinAge       time.Duration  // the image must be at least this old (from its creation) to go
}

// Policy is the ordered rules plus the keep patterns that always win.
type Policy struct {
	Rules []Rule
	Keep  []*regexp.Regexp
}

// Match is what the rules say about a tag before any source is asked.
type Match struct {
	Rule int     // index of the first matching rule, -1 when none
	PR   string  // the pull-request number, leading zeros removed; "" when not a number
	Ref  scm.Ref // what to ask the source; zero when there is nothing to ask
	Kept string  // the keep pattern the tag matches, if any
}

// NeedsLookup reports whether the source must be asked before deciding.
func (m Match) NeedsLookup() bool { return m.Kept == "" && m.Rule >= 0 && m.PR != "" }

// referrersTag matches the OCI referrers fallback and cosign tags (sha256-<hex>,
// sha256-<hex>.sig …): they belong to an image, never to a pull request.
var referrersTag = regexp.MustCompile(`^sha(256|512)-[0-9a-f]{32,}`)

// Match finds the first rule whose repositories and tags both match.
func (p Policy) Match(repo, tag string) Match {
	m := Match{Rule: -1}
	for _, k := range p.Keep {
		if k.MatchString(tag) {
			m.Kept = k.String()
			return m
		}
	}
	if referrersTag.MatchString(tag) {
		return m
	}
	for i, r := range p.Rules {
		if !matchRepo(r.Repositories, repo) {
			continue
		}
		sub := r.Tags.FindStringSubmatch(tag)
		if sub == nil {
			continue
		}
		m.Rule = i
		if idx := r.Tags.SubexpIndex("pr"); idx >= 0 {
			m.PR = prNumber(sub[idx])
		}
		if m.PR != "" {
			m.Ref = scm.Ref{Source: r.Source, Repo: ExpandRepo(r.Repo, repo), Number: m.PR}
		}
		return m
	}
	return m
}

func matchRepo(globs []string, repo string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if registry.MatchRepository(g, repo) {
			return true
		}
	}
	return false
}

// prNumber returns s without leading zeros when it is all digits, else "".
func prNumber(s string) string {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return ""
	}
	if n := strings.TrimLeft(s, "0"); n != "" {
		return n
	}
	return "0"
}

// Decide turns a match and the source's answer into a decision. status is ignored
// when the match needs no lookup.
func (p Policy) Decide(m Match, status scm.Status, now time.Time) Decision {
	keep := func(format string, args ...any) Decision {
		return Decision{Action: Keep, Reason: fmt.Sprintf(format, args...), Rule: m.Rule}
	}
	switch {
	case m.Kept != "":
		return keep("matches keep pattern %s", m.Kept)
	case m.Rule < 0:
		return keep("no rule matches")
	case m.PR == "":
		return keep("rule %d matches but its pr group holds no pull-request number", m.Rule+1)
	}
	r := p.Rules[m.Rule]
	pr := "PR " + m.PR
	switch status.State {
	case scm.Unknown, "":
		return keep("state of %s could not be read", pr)
	case scm.Missing:
		if !slices.Contains(r.Delete, scm.Missing) {
			return keep("%s does not exist at the source, and rule %d does not delete missing", pr, m.Rule+1)
		}
		return Decision{Action: Delete, Reason: pr + " does not exist at the source", Rule: m.Rule}
	}
	if !slices.Contains(r.Delete, status.State) {
		return keep("%s is %s", pr, status.State)
	}
	if r.After > 0 {
		if status.ClosedAt.IsZero() {
			return keep("%s is %s, but the source gave no closing time to measure the %s grace period from", pr, status.State, r.After)
		}
		if left := status.ClosedAt.Add(r.After).Sub(now); left > 0 {
			return keep("%s is %s, within the %s grace period (%s left)", pr, status.State, r.After, left.Round(time.Minute))
		}
	}
	return Decision{Action: Delete, Reason: fmt.Sprintf("%s is %s", pr, status.State), Rule: m.Rule}
}

// OldEnough applies the rule's minimum image age to a tag it would delete. created
// is the image's creation time, zero when the registry could not say.
func (p Policy) OldEnough(rule int, created, now time.Time) (bool, string) {
	if rule < 0 || rule >= len(p.Rules) || p.Rules[rule].MinAge <= 0 {
		return true, ""
	}
	min := p.Rules[rule].MinAge
	switch age := now.Sub(created); {
	case created.IsZero():
		return false, fmt.Sprintf("the image's age is unknown, so its minimum age %s cannot be checked", min)
	case age < min:
		return false, fmt.Sprintf("the image is %s old, younger than the minimum age %s", age.Round(time.Minute), min)
	}
	return true, ""
}
