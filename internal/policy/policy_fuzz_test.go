package policy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

var fuzzNow = time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)

// digestTag matches the tags the OCI referrers fallback and cosign write next to an
// image (sha256-<64 hex>[.sig|.att|.sbom], sha512-<128 hex>): written here
// independently of policy's own pattern.
var digestTag = regexp.MustCompile(`^(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})`)

// canonicalPR is what Match may put in Match.PR: a number without leading zeros.
var canonicalPR = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// fuzzPolicy is a realistic policy with one user pattern and one keep pattern
// taken from the fuzzer where they compile (and, for the rule, name a pr group).
func fuzzPolicy(rulePattern, keepPattern string) policy.Policy {
	ruleRE, err := regexp.Compile(rulePattern)
	if err != nil || ruleRE.SubexpIndex("pr") < 0 {
		ruleRE = regexp.MustCompile(`^pr-(?P<pr>\d+)$`)
	}
	p := policy.Policy{
		Rules: []policy.Rule{
			{Repositories: []string{"team/*"}, Tags: ruleRE, Source: "gh", Repo: "acme/api",
				Delete: []scm.State{scm.Merged}, After: 48 * time.Hour},
			{Tags: regexp.MustCompile(`^PR(?P<pr>\w+)-`), Source: "ado", Delete: []scm.State{scm.Merged, scm.Closed}},
			{Repositories: []string{"legacy"}, Tags: regexp.MustCompile(`(?P<pr>\d*)`), Source: "ado",
				Delete: []scm.State{scm.Merged, scm.Closed, scm.Missing}},
		},
		Keep: []*regexp.Regexp{regexp.MustCompile(`^latest$`)},
	}
	if keepRE, err := regexp.Compile(keepPattern); err == nil {
		p.Keep = append(p.Keep, keepRE)
	}
	return p
}

// FuzzMatchDecide: Match and Decide never panic; a keep pattern always wins; a
// digest tag never matches a rule; a PR number is canonical; and Delete comes only
// from a state positively read, listed in the matching rule's delete, and past
// the rule's grace period.
func FuzzMatchDecide(f *testing.F) {
	f.Add("jarvis", "PR3571-test", "", "", "merged", int64(-100))
	f.Add("team/api", "pr-42", `^pr-(?P<pr>\d+)$`, "", "merged", int64(-49))
	f.Add("team/api", "pr-42", `^pr-(?P<pr>\d+)$`, "", "merged", int64(-47))
	f.Add("team/api", "pr-0042", `(?P<pr>\d+)`, `-keep$`, "closed", int64(0))
	f.Add("jarvis", "PR3571-keep", "", `-keep$`, "merged", int64(-1000))
	f.Add("jarvis", "latest", "", "", "merged", int64(-1000))
	f.Add("legacy", "sha256-"+strings.Repeat("ab", 32)+".sig", "", "", "missing", int64(-1))
	f.Add("team/x", "sha256-"+strings.Repeat("0f", 32), `(?P<pr>[0-9a-f]+)`, "", "merged", int64(-1000))
	f.Add("legacy", "build-7", "", "", "missing", int64(0))
	f.Add("jarvis", "PR٣٥٧١-test", "", "", "merged", int64(-1)) // Arabic-Indic digits are \w, not a number
	f.Add("jarvis", "PR3571-test", "", "", "unknown", int64(-1))
	f.Add("jarvis", "PR3571-test", "", "", "", int64(-1))
	f.Add("jarvis", "PR3571-test", "", "", "MERGED", int64(-1))
	f.Add("jarvis", "PR99999999999999999999999-test", "", "(", "closed", int64(-1))
	f.Fuzz(func(t *testing.T, repo, tag, rulePattern, keepPattern, state string, closedHours int64) {
		p := fuzzPolicy(rulePattern, keepPattern)
		m := p.Match(repo, tag)
		var kept string
		for _, k := range p.Keep {
			if k.MatchString(tag) {
				kept = k.String()
				break
			}
		}
		if m.Kept != kept {
			t.Fatalf("Match(%q, %q).Kept = %q, want %q", repo, tag, m.Kept, kept)
		}
		if digestTag.MatchString(tag) && m.Rule >= 0 {
			t.Fatalf("the digest tag %q matches rule %d", tag, m.Rule)
		}
		if m.PR != "" && !canonicalPR.MatchString(m.PR) {
			t.Fatalf("Match(%q).PR = %q, not a canonical number", tag, m.PR)
		}
		if m.NeedsLookup() != (m.Kept == "" && m.Rule >= 0 && m.PR != "") {
			t.Fatalf("NeedsLookup = %v for %+v", m.NeedsLookup(), m)
		}
		if m.NeedsLookup() && (m.Ref.Number != m.PR || m.Ref.Source != p.Rules[m.Rule].Source) {
			t.Fatalf("Ref %+v does not name PR %q of rule %d", m.Ref, m.PR, m.Rule)
		}

		closedAt := time.Time{}
		if closedHours != 0 {
			closedAt = fuzzNow.Add(time.Duration(max(min(closedHours, 1e6), -1e6)) * time.Hour)
		}
		st := scm.Status{State: scm.State(state), ClosedAt: closedAt}
		d := p.Decide(m, st, fuzzNow)
		if d.Action != policy.Delete && d.Action != policy.Keep {
			t.Fatalf("Decide = %+v: neither delete nor keep", d)
		}
		if d.Reason == "" {
			t.Fatalf("Decide = %+v without a reason", d)
		}
		if d.Action != policy.Delete {
			return
		}
		switch {
		case kept != "":
			t.Fatalf("%q matches keep pattern %s but Decide = %+v", tag, kept, d)
		case !m.NeedsLookup():
			t.Fatalf("Delete without a pull request to ask about: %+v, %+v", m, d)
		case st.State == scm.Unknown || st.State == "":
			t.Fatalf("Delete with state %q", st.State)
		case d.Rule != m.Rule:
			t.Fatalf("Decide says rule %d, Match said %d", d.Rule, m.Rule)
		}
		r := p.Rules[m.Rule]
		if !slices.Contains(r.Delete, st.State) {
			t.Fatalf("Delete with state %q, which rule %d does not list (%v)", st.State, m.Rule, r.Delete)
		}
		if r.After > 0 && (closedAt.IsZero() || closedAt.Add(r.After).After(fuzzNow)) {
			t.Fatalf("Delete inside the %s grace period (closed at %v)", r.After, closedAt)
		}
	})
}
