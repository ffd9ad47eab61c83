package faulttest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/report"
)

// A Check looks at a finished run and returns one line per violation.
type Check struct {
	Name string
	Fn   func(*Run) []string
}

// Names of the default checks, which Figures reports.
const (
	WrongDeletion      = "wrong deletion"      // a tag that must stay is gone or moved
	UnreportedDeletion = "unreported deletion" // a tag is gone and the report does not say deleted (or failed after forwarding)
	FalseDeletion      = "false deletion"      // the report says deleted, the tag is there
	UnreportedFailure  = "unreported failure"  // a wrong exit code, a summary that does not add up, a planned deletion silently not done
	EndState           = "end state"           // the fault-free sweep did not reach exactly the expected state, or did not exit 0
	SecretLeak         = "secret leak"         // the token is in a report, a log or the --debug dump
	KeptBroken         = "kept image broken"   // a tag that stays does not pull completely: something it needs is gone
	IncompleteListing  = "incomplete listing"  // a repository changed after a page of its tag listing failed for good
)

// DefaultChecks are the checks every run gets.
func DefaultChecks() []Check {
	return []Check{
		{WrongDeletion, checkKept},
		{UnreportedDeletion, checkGoneReported},
		{FalseDeletion, checkDoneIsGone},
		{UnreportedFailure, checkFailuresReported},
		{EndState, checkEndState},
		{SecretLeak, checkNoSecret},
		{KeptBroken, checkKeptPulls},
		{IncompleteListing, checkListingComplete},
	}
}

// checkListingComplete: nothing is deleted in a repository whose listing was
// incomplete (rule 7). A page failure is sticky, so a repository whose first
// listing failed shows a failed page before any manifest DELETE or PUT; a later
// read-back listing that fails comes after one.
func checkListingComplete(r *Run) []string {
	failedFirst := map[string]bool{} // repo → its first listing failed; absent until known
	mutated := map[string]bool{}     // after a failed first listing
	for _, e := range r.Registry.Exchanges() {
		path, _, _ := strings.Cut(e.Target, "?")
		rest := strings.TrimPrefix(path, "/v2/")
		if repo, ok := strings.CutSuffix(rest, "/tags/list"); ok {
			if _, known := failedFirst[repo]; !known && e.Fault == PageFailure {
				failedFirst[repo] = true
			}
			continue
		}
		repo, _, ok := strings.Cut(rest, "/manifests/")
		if !ok || (e.Method != "DELETE" && e.Method != "PUT") || !e.Forwarded {
			continue
		}
		if failedFirst[repo] {
			mutated[repo] = true
		}
		if _, known := failedFirst[repo]; !known {
			failedFirst[repo] = false
		}
	}
	var v []string
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		repo, _, _ := strings.Cut(ref, ":")
		if mutated[repo] && r.After[ref] != r.Digests[ref] {
			v = append(v, fmt.Sprintf("%s changed (now %q) though a page of %s's listing failed before any deletion", r.name(ref), r.After[ref], repo))
		}
	}
	return v
}

func checkNoSecret(r *Run) []string {
	var v []string
	secrets := []string{Token, base64.StdEncoding.EncodeToString([]byte(":" + Token))}
	for name, text := range map[string][]byte{"report": r.Outcome.Report, "log": []byte(r.Outcome.Stderr), "--debug dump": r.Debug,
		"fault-free report": r.Clean.Report, "fault-free log": []byte(r.Clean.Stderr)} {
		for _, s := range secrets {
			if bytes.Contains(text, []byte(s)) {
				v = append(v, fmt.Sprintf("the %s holds the token", name))
			}
		}
	}
	slices.Sort(v)
	return v
}

func checkKept(r *Run) []string {
	var v []string
	items := r.Report.ByRef()
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		want, got := r.Digests[ref], r.After[ref]
		switch {
		case slices.Contains(r.Expected, ref) && got == Dangling: // FalseDeletion, UnreportedFailure and EndState look at it
		case slices.Contains(r.Expected, ref) && got != "" && got != want && !(r.retaggedTo(ref, got) && items[ref].Failed()):
			v = append(v, fmt.Sprintf("%s points at %s, not %s", ref, got, want))
		case slices.Contains(r.Expected, ref):
		case got == "":
			v = append(v, fmt.Sprintf("%s must be kept, and is gone", r.name(ref)))
		case got != want:
			v = append(v, fmt.Sprintf("%s must be kept, and points at %s, not %s", r.name(ref), got, want))
		}
	}
	return v
}

func checkGoneReported(r *Run) []string {
	var v []string
	items := r.Report.ByRef()
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		if r.After[ref] != "" {
			continue
		}
		it, ok := items[ref]
		switch {
		case ok && it.Action == policy.Delete && it.Done:
		case ok && it.Failed() && DeletedUpstream(r.Registry, ref, r.Digests[ref]):
		case !ok:
			v = append(v, fmt.Sprintf("%s is gone and not in the report", ref))
		default:
			v = append(v, fmt.Sprintf("%s is gone and reported as %s, done %v, error %q", ref, it.Action, it.Done, it.Error))
		}
	}
	return v
}

// checkDoneIsGone: neither sweep reports a tag deleted that the registry's own
// tag listing still holds afterwards.
func checkDoneIsGone(r *Run) []string {
	var v []string
	for _, sw := range []struct {
		name     string
		rep      *Report
		contents map[string]string
	}{{"the faulty sweep", r.Report, r.After}, {"the fault-free sweep", r.CleanReport, r.Final}} {
		items := sw.rep.ByRef()
		for ref := range sw.rep.Done() {
			if got, listed := sw.contents[ref]; listed {
				v = append(v, fmt.Sprintf("%s reports %s deleted (method %q) and the registry still lists it, %s",
					sw.name, r.name(ref), items[ref].Method, r.holds(ref, got)))
			}
		}
	}
	slices.Sort(v)
	return v
}

func checkFailuresReported(r *Run) []string {
	var v []string
	if r.Report == nil {
		if r.Outcome.Code != 1 {
			v = append(v, fmt.Sprintf("no report, and exit code %d, not 1", r.Outcome.Code))
		}
		if !maps.Equal(r.After, r.Digests) {
			v = append(v, "no report, and the registry changed")
		}
		return v
	}
	sum := report.Summarize(r.Report.Items, false)
	if sum != r.Report.Summary {
		v = append(v, fmt.Sprintf("the summary says %+v, the items %+v", r.Report.Summary, sum))
	}
	if want := map[bool]int{false: 0, true: 1}[sum.Failed > 0]; r.Outcome.Code != want {
		v = append(v, fmt.Sprintf("exit code %d with %d failed, want %d", r.Outcome.Code, sum.Failed, want))
	}
	items := r.Report.ByRef()
	for _, ref := range r.Expected {
		it, ok := items[ref]
		repo, _, _ := strings.Cut(ref, ":")
		switch {
		case r.After[ref] == "":
		case ok && it.Failed(), items[repo+":*"].Failed(), items["*:*"].Failed(): // the tag, its repository or the catalog failed
		case r.staysWith(ref): // a signature with its image, a child with its index: their failures are checked
		default:
			v = append(v, fmt.Sprintf("%s should have gone, is kept, and no failure says why (%s: %s)", r.name(ref), it.Action, it.Reason))
		}
	}
	for _, it := range r.Report.Items {
		if it.PR != "" && it.State == "unknown" && !it.Failed() {
			v = append(v, fmt.Sprintf("%s: the state of PR %s is unknown and not reported as failed", it.Ref(), it.PR))
		}
	}
	return v
}

func checkEndState(r *Run) []string {
	var v []string
	switch {
	case r.Clean.Code != 0:
		v = append(v, fmt.Sprintf("the fault-free sweep exited %d:\n%s", r.Clean.Code, tail(r.Clean.Stderr, 20)))
	case r.CleanReport == nil:
		v = append(v, "the fault-free sweep wrote no report")
	}
	if r.CleanReport != nil {
		if sum := report.Summarize(r.CleanReport.Items, false); sum != r.CleanReport.Summary || sum.Failed != 0 {
			v = append(v, fmt.Sprintf("the fault-free sweep's summary says %+v, its items %+v", r.CleanReport.Summary, sum))
		}
		for _, it := range r.CleanReport.Items {
			if it.Failed() {
				v = append(v, fmt.Sprintf("the fault-free sweep failed on %s (%s, method %q): %s", it.Ref(), it.Action, it.Method, it.Error))
			}
		}
	}
	want := map[string]string{}
	for ref, d := range r.Digests {
		if !slices.Contains(r.Expected, ref) {
			want[ref] = d
		}
	}
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		if r.Final[ref] != want[ref] {
			v = append(v, fmt.Sprintf("after the fault-free sweep %s is %q, want %q", r.name(ref), r.Final[ref], want[ref]))
		}
	}
	for ref := range r.Final {
		if _, ok := r.Digests[ref]; !ok {
			v = append(v, fmt.Sprintf("after the fault-free sweep %s exists, which the fixture does not have", ref))
		}
	}
	first, second := r.Report.Done(), r.CleanReport.Done()
	failed := r.GoneReportedFailed()
	for _, ref := range r.Expected {
		switch {
		case first[ref] && second[ref]:
			v = append(v, fmt.Sprintf("%s is reported deleted by both sweeps", r.name(ref)))
		case !first[ref] && !second[ref] && !slices.Contains(failed, ref):
			v = append(v, fmt.Sprintf("%s: neither sweep reports deleting it", r.name(ref)))
		}
	}
	return v
}

// checkKeptPulls: every tag that stays pulls completely after both sweeps.
func checkKeptPulls(r *Run) []string {
	var v []string
	for _, ref := range slices.Sorted(maps.Keys(r.Broken)) {
		v = append(v, fmt.Sprintf("%s must stay and does not pull: %s", ref, r.Broken[ref]))
	}
	return v
}
