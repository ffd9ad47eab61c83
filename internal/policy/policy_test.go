package policy_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/scm"
)

var now = time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)

func testPolicy() policy.Policy {
	return policy.Policy{
		Rules: []policy.Rule{
			{Repositories: []string{"team/*"}, Tags: regexp.MustCompile(`^pr-(?P<pr>\d+)$`), Source: "gh", Repo: "acme/api",
				Delete: []scm.State{scm.Merged}, After: 48 * time.Hour},
			{Tags: regexp.MustCompile(`^PR(?P<pr>\w+)-`), Source: "ado", Delete: []scm.State{scm.Merged, scm.Closed}},
		},
		Keep: []*regexp.Regexp{regexp.MustCompile(`^latest$`), regexp.MustCompile(`-keep$`)},
	}
}

func TestMatch(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		repo, tag string
		rule      int
		pr        string
		lookup    bool
	}{
		{"jarvis", "PR3571-test", 1, "3571", true},
		{"jarvis", "PR03571-test", 1, "3571", true},
		{"jarvis", "PRabc-test", 1, "", false},
		{"jarvis", "5.32.0-develop", -1, "", false},
		{"jarvis", "latest", -1, "", false},
		{"jarvis", "PR3571-keep", -1, "", false},
		{"team/api", "pr-42", 0, "42", true},
		{"other/api", "pr-42", -1, "", false},
		{"team/api", "PR42-x", 1, "42", true},
		{"jarvis", "sha256-" + strings.Repeat("a", 64) + ".sig", -1, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.repo+":"+tt.tag, func(t *testing.T) {
			m := p.Match(tt.repo, tt.tag)
			if m.Rule != tt.rule || m.PR != tt.pr || m.NeedsLookup() != tt.lookup {
				t.Errorf("Match = %+v (lookup %v), want rule %d pr %q lookup %v", m, m.NeedsLookup(), tt.rule, tt.pr, tt.lookup)
			}
		})
	}
	if got := p.Match("team/api", "pr-42").Ref; got != (scm.Ref{Source: "gh", Repo: "acme/api", Number: "42"}) {
		t.Errorf("ref %+v", got)
	}
}

func TestDecide(t *testing.T) {
	p := testPolicy()
	ado := p.Match("jarvis", "PR3571-test")
	gh := p.Match("team/api", "pr-42")
	tests := []struct {
		name   string
		m      policy.Match
		status scm.Status
		want   policy.Action
		reason string
	}{
		{"merged", ado, scm.Status{State: scm.Merged}, policy.Delete, "PR 3571 is merged"},
		{"closed", ado, scm.Status{State: scm.Closed}, policy.Delete, "PR 3571 is closed"},
		{"open", ado, scm.Status{State: scm.Open}, policy.Keep, "PR 3571 is open"},
		{"unknown is never deleted", ado, scm.Status{State: scm.Unknown, Error: "boom"}, policy.Keep, "could not be read"},
		{"no state at all", ado, scm.Status{}, policy.Keep, "could not be read"},
		{"missing not listed", ado, scm.Status{State: scm.Missing}, policy.Keep, "does not delete missing"},
		{"keep wins", p.Match("jarvis", "latest"), scm.Status{State: scm.Merged}, policy.Keep, "keep pattern ^latest$"},
		{"no rule", p.Match("jarvis", "5.32.0-develop"), scm.Status{State: scm.Merged}, policy.Keep, "no rule matches"},
		{"not a number", p.Match("jarvis", "PRabc-test"), scm.Status{State: scm.Merged}, policy.Keep, "no pull-request number"},
		{"closed not listed in rule", gh, scm.Status{State: scm.Closed, ClosedAt: now.Add(-100 * time.Hour)}, policy.Keep, "PR 42 is closed"},
		{"inside grace", gh, scm.Status{State: scm.Merged, ClosedAt: now.Add(-47 * time.Hour)}, policy.Keep, "grace period (1h0m0s left)"},
		{"after grace", gh, scm.Status{State: scm.Merged, ClosedAt: now.Add(-49 * time.Hour)}, policy.Delete, "PR 42 is merged"},
		{"grace without a closing time", gh, scm.Status{State: scm.Merged}, policy.Keep, "no closing time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.m, tt.status, now)
			if d.Action != tt.want || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Decide = %+v, want %s with reason containing %q", d, tt.want, tt.reason)
			}
		})
	}
}

func TestMissingDeletedOnlyWhereListed(t *testing.T) {
	p := testPolicy()
	p.Rules[1].Delete = append(p.Rules[1].Delete, scm.Missing)
	d := p.Decide(p.Match("jarvis", "PR1-test"), scm.Status{State: scm.Missing}, now)
	if d.Action != policy.Delete {
		t.Errorf("missing listed in delete: %+v", d)
	}
}
