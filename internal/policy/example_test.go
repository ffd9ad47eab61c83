package policy_test

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

// A tag is deleted only when its pull request's state was read and is listed.
func ExamplePolicy_Decide() {
	p := policy.Policy{
		Rules: []policy.Rule{{Tags: regexp.MustCompile(`^PR(?P<pr>\d+)-`), Source: "ado", Delete: []scm.State{scm.Merged, scm.Closed}}},
		Keep:  []*regexp.Regexp{regexp.MustCompile(`^latest$`)},
	}
	for _, c := range []struct {
		tag   string
		state scm.State
	}{{"PR3571-test", scm.Merged}, {"PR3561-test", scm.Open}, {"PR3589-test", scm.Unknown}, {"latest", scm.Merged}, {"5.32.0-develop", ""}} {
		d := p.Decide(p.Match("jarvis", c.tag), scm.Status{State: c.state}, now)
		fmt.Printf("%s: %s (%s)\n", c.tag, d.Action, d.Reason)
	}
	// Output:
	// PR3571-test: delete (PR 3571 is merged)
	// PR3561-test: keep (PR 3561 is open)
	// PR3589-test: keep (state of PR 3589 could not be read)
	// latest: keep (matches keep pattern ^latest$)
	// 5.32.0-develop: keep (no rule matches)
}

// A keep pattern always wins, and sha256-… tags (signatures, referrers) never belong
// to a pull request.
func ExamplePolicy_Match() {
	p := policy.Policy{
		Rules: []policy.Rule{{Tags: regexp.MustCompile(`(?P<pr>\d+)`), Source: "ado"}},
		Keep:  []*regexp.Regexp{regexp.MustCompile(`^release-`)},
	}
	for _, tag := range []string{"PR3571-test", "release-3571", "sha256-" + strings.Repeat("ab", 32) + ".sig"} {
		m := p.Match("jarvis", tag)
		fmt.Printf("%s: rule %d, pr %q, kept by %q\n", tag[:min(len(tag), 14)], m.Rule+1, m.PR, m.Kept)
	}
	// Output:
	// PR3571-test: rule 1, pr "3571", kept by ""
	// release-3571: rule 0, pr "", kept by "^release-"
	// sha256-abababa: rule 0, pr "", kept by ""
}

// after: a grace period after the pull request closed, measured from the source's
// closing time.
func ExampleRule_after() {
	p := policy.Policy{Rules: []policy.Rule{{Tags: regexp.MustCompile(`^pr-(?P<pr>\d+)$`), Source: "gh",
		Delete: []scm.State{scm.Merged}, After: 7 * 24 * time.Hour}}}
	m := p.Match("api", "pr-42")
	for _, closed := range []time.Time{now.Add(-3 * 24 * time.Hour), now.Add(-8 * 24 * time.Hour), {}} {
		d := p.Decide(m, scm.Status{State: scm.Merged, ClosedAt: closed}, now)
		fmt.Printf("%s: %s\n", d.Action, d.Reason)
	}
	// Output:
	// keep: PR 42 is merged, within the 168h0m0s grace period (96h0m0s left)
	// delete: PR 42 is merged
	// keep: PR 42 is merged, but the source gave no closing time to measure the 168h0m0s grace period from
}

// minAge: an image younger than this is kept, and so is one whose age is unknown.
func ExamplePolicy_OldEnough() {
	p := policy.Policy{Rules: []policy.Rule{{Tags: regexp.MustCompile(`^PR(?P<pr>\d+)`), MinAge: 24 * time.Hour}}}
	for _, created := range []time.Time{now.Add(-2 * time.Hour), now.Add(-48 * time.Hour), {}} {
		ok, why := p.OldEnough(0, created, now)
		fmt.Printf("%v %s\n", ok, cmp.Or(why, "(old enough)"))
	}
	// Output:
	// false the image is 2h0m0s old, younger than the minimum age 24h0m0s
	// true (old enough)
	// false the image's age is unknown, so its minimum age 24h0m0s cannot be checked
}

// missing (the source says there is no such pull request) deletes only where listed;
// unknown never does.
func ExampleRule_missing() {
	tags := regexp.MustCompile(`^PR(?P<pr>\d+)-`)
	for _, del := range [][]scm.State{{scm.Merged, scm.Closed}, {scm.Merged, scm.Closed, scm.Missing}} {
		p := policy.Policy{Rules: []policy.Rule{{Tags: tags, Source: "ado", Delete: del}}}
		m := p.Match("jarvis", "PR9999-test")
		fmt.Println(p.Decide(m, scm.Status{State: scm.Missing}, now).Reason)
		fmt.Println(p.Decide(m, scm.Status{State: scm.Unknown}, now).Reason)
	}
	// Output:
	// PR 9999 does not exist at the source, and rule 1 does not delete missing
	// state of PR 9999 could not be read
	// PR 9999 does not exist at the source
	// state of PR 9999 could not be read
}
