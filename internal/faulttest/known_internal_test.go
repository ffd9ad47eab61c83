package faulttest

import (
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/report"
)

// The known orphaned-signature violation matches what the checks say of it, and
// nothing else: a run that also deletes a kept tag keeps that violation fatal.
func TestKnownMatchesTheChecks(t *testing.T) {
	r := goodRun(t)
	image := "sha256:" + strings.Repeat("ab", 32)
	sig := "r:" + SignatureTag(image)
	signature := "sha256:" + strings.Repeat("cd", 32)
	r.Digests["r:PR1-test"], r.Digests[sig] = image, signature
	r.Expected = append(r.Expected, "r:PR1-test", sig)
	r.After[sig], r.Final[sig] = signature, signature
	r.Report.Items = append(r.Report.Items,
		plan.Item{Repository: "r", Tag: "PR1-test", Digest: image, Action: policy.Delete, Done: true},
		plan.Item{Repository: "r", Tag: SignatureTag(image), Action: policy.Keep, Reason: "no rule matches"})
	r.Report.Summary = report.Summarize(r.Report.Items, false)
	violations := map[string][]string{}
	for _, c := range DefaultChecks() {
		if v := c.Fn(r); len(v) > 0 {
			violations[c.Name] = v
		}
	}
	fatal, known := splitKnown(violations, KnownIssues())
	if len(fatal) > 0 || len(known) != 1 {
		t.Fatalf("fatal %v, known %v", fatal, known)
	}
	for _, lines := range known {
		if len(lines) != 3 {
			t.Errorf("known lines %q, want the three of an orphaned signature", lines)
		}
	}
	// An image whose deletion is reported failed keeps its signature.
	r.Report.Items[len(r.Report.Items)-2].Done, r.Report.Items[len(r.Report.Items)-2].Error = false, "deleted, not confirmed"
	if v := checkFailuresReported(r); len(v) > 1 || len(v) == 1 && strings.Contains(v[0], ".sig") {
		t.Errorf("a signature kept with its failed image: %v", v)
	}
	delete(r.After, "r:keep")
	violations[WrongDeletion] = checkKept(r)
	if fatal, _ := splitKnown(violations, KnownIssues()); len(fatal[WrongDeletion]) == 0 {
		t.Error("a wrong deletion became known")
	}
}
