package policy_test

import (
	"fmt"
	"regexp"

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
