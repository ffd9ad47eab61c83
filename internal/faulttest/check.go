package faulttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/report"
	"github.com/prsweep/prsweep/internal/sweep"
)

// Invocation is one sweep for a SweepFunc to run.
type Invocation struct {
	Config  []byte            // the YAML configuration
	Dir     string            // a directory of the run's own: for the configuration file and files it names
	Env     map[string]string // the whole environment the sweep sees
	Options sweep.Options     // what tests inject: the retry sleep, the per-attempt timeout
}

// Outcome is what a user of `prsweep run --output json` sees.
type Outcome struct {
	Code   int    // the exit code
	Report []byte // stdout: the JSON report; empty when the sweep ended before one
	Stderr string // logs, and the error that ended the sweep
}

// A SweepFunc runs one sweep the way `prsweep run --output json` does.
type SweepFunc func(ctx context.Context, inv Invocation) Outcome

// Report is a decoded JSON report.
type Report struct {
	Items   []plan.Item    `json:"items"`
	Summary report.Summary `json:"summary"`
}

// Run is one seeded run: what was set up, what the sweeps said, and what the
// registry held afterwards (read directly, without faults).
type Run struct {
	Seed     uint64
	States   map[int]string    // Azure DevOps status of each pull request
	Digests  map[string]string // the fixture, "repo:tag" → digest
	Expected []string          // ExpectedDeleted
	Dir      string            // the run's own directory (Invocation.Dir of the faulty sweep)

	Registry, Source *Proxy // the proxies of the faulty sweep
	Outcome          Outcome
	Debug            []byte            // the faulty sweep's --debug dump (sweep.Options.Debug; odd seeds only)
	Report           *Report           // nil when there was none, or it did not decode
	After            map[string]string // the registry after the faulty sweep

	Clean       Outcome // the fault-free sweep that follows
	CleanDir    string  // its own directory
	CleanReport *Report
	Final       map[string]string // the registry after it
}

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
	EndState           = "end state"           // the fault-free sweep did not reach exactly the expected state
	SecretLeak         = "secret leak"         // the token is in a report, a log or the --debug dump
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
	}
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

// ByRef indexes a report's items by reference ("repo:tag", "repo:*" for a
// repository whose listing failed).
func (r *Report) ByRef() map[string]plan.Item {
	out := map[string]plan.Item{}
	if r != nil {
		for _, it := range r.Items {
			out[it.Ref()] = it
		}
	}
	return out
}

// Done returns the references the report says were deleted.
func (r *Report) Done() map[string]bool {
	out := map[string]bool{}
	if r != nil {
		for _, it := range r.Items {
			if it.Action == policy.Delete && it.Done {
				out[it.Ref()] = true
			}
		}
	}
	return out
}

// DecodeReport decodes a JSON report.
func DecodeReport(b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// DeletedUpstream reports whether the proxy forwarded a DELETE of ref ("repo:tag")
// that the upstream carried out or may have (its answer was lost), whatever the
// client then saw.
func DeletedUpstream(p *Proxy, ref string) bool {
	repo, tag, _ := strings.Cut(ref, ":")
	target := "/v2/" + repo + "/manifests/" + tag
	for _, e := range p.Exchanges() {
		if e.Method == "DELETE" && e.Target == target && e.Forwarded && (e.Upstream == 0 || e.Upstream >= 200 && e.Upstream < 300) {
			return true
		}
	}
	return false
}

// GoneReportedFailed returns the tags gone after the faulty sweep that its report
// lists as failed: deletions the registry carried out while the client saw a
// failure. They are allowed, and counted.
func (r *Run) GoneReportedFailed() []string {
	var out []string
	items := r.Report.ByRef()
	for ref := range r.Digests {
		if it, ok := items[ref]; ok && r.After[ref] == "" && it.Failed() && !(it.Action == policy.Delete && it.Done) {
			out = append(out, ref)
		}
	}
	slices.Sort(out)
	return out
}

func checkKept(r *Run) []string {
	var v []string
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		want, got := r.Digests[ref], r.After[ref]
		switch {
		case slices.Contains(r.Expected, ref) && got != "" && got != want:
			v = append(v, fmt.Sprintf("%s points at %s, not %s", ref, got, want))
		case slices.Contains(r.Expected, ref):
		case got == "":
			v = append(v, fmt.Sprintf("%s must be kept, and is gone", ref))
		case got != want:
			v = append(v, fmt.Sprintf("%s must be kept, and points at %s, not %s", ref, got, want))
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
		case ok && it.Failed() && DeletedUpstream(r.Registry, ref):
		case !ok:
			v = append(v, fmt.Sprintf("%s is gone and not in the report", ref))
		default:
			v = append(v, fmt.Sprintf("%s is gone and reported as %s, done %v, error %q", ref, it.Action, it.Done, it.Error))
		}
	}
	return v
}

func checkDoneIsGone(r *Run) []string {
	var v []string
	for ref := range r.Report.Done() {
		if r.After[ref] != "" {
			v = append(v, fmt.Sprintf("%s is reported deleted and is still there", ref))
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
		default:
			v = append(v, fmt.Sprintf("%s should have gone, is kept, and no failure says why (%s: %s)", ref, it.Action, it.Reason))
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
	if r.Clean.Code != 0 || r.CleanReport == nil || r.CleanReport.Summary.Failed != 0 {
		v = append(v, fmt.Sprintf("the fault-free sweep exited %d:\n%s", r.Clean.Code, r.Clean.Stderr))
	}
	want := map[string]string{}
	for ref, d := range r.Digests {
		if !slices.Contains(r.Expected, ref) {
			want[ref] = d
		}
	}
	for _, ref := range slices.Sorted(maps.Keys(r.Digests)) {
		if r.Final[ref] != want[ref] {
			v = append(v, fmt.Sprintf("after the fault-free sweep %s is %q, want %q", ref, r.Final[ref], want[ref]))
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
			v = append(v, fmt.Sprintf("%s is reported deleted by both sweeps", ref))
		case !first[ref] && !second[ref] && !slices.Contains(failed, ref):
			v = append(v, fmt.Sprintf("%s: neither sweep reports deleting it", ref))
		}
	}
	return v
}
