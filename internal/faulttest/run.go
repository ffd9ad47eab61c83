package faulttest

import (
	"time"

	"context"
	"encoding/json"
	"fmt"
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
	Setup    Setup               // the registry and the configuration the seed drew
	States   map[int]string      // Azure DevOps status of each pull request
	Digests  map[string]string   // the fixture, "repo:tag" → digest
	Children map[string][]string // the fixture's indexes, digest → their children's digests
	Expected []string            // ExpectedDeleted
	Dir      string              // the run's own directory (Invocation.Dir of the faulty sweep)

	Registry, Source *Proxy // the proxies of the faulty sweep
	Outcome          Outcome
	Debug            []byte            // the faulty sweep's --debug dump (sweep.Options.Debug; odd seeds only)
	Report           *Report           // nil when there was none, or it did not decode
	After            map[string]string // the registry after the faulty sweep (a tag's value is Dangling when its manifest is missing)

	Clean        Outcome   // the fault-free sweep that follows, through the calmed proxy
	CleanDir     string    // its own directory
	CleanStarted time.Time // when it started: later audit records are its own
	CleanReport  *Report
	Final        map[string]string // the registry after it
	// Broken are the tags that must stay, are there, and do not pull completely
	// after both sweeps (manifest, index children, config, layers), with why.
	Broken map[string]string
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

// DeletedUpstream reports whether the proxy forwarded a DELETE that removes ref
// ("repo:tag", seeded at digest) and that the upstream carried out or may have
// (its answer was lost), whatever the client then saw: a DELETE of the tag, of
// its digest, or of a manifest a forwarded PUT pointed the tag at (a retag's
// throwaway).
func DeletedUpstream(p *Proxy, ref, digest string) bool {
	repo, tag, _ := strings.Cut(ref, ":")
	prefix := "/v2/" + repo + "/manifests/"
	targets := map[string]bool{prefix + tag: true}
	if digest != "" {
		targets[prefix+digest] = true
	}
	exchanges := p.Exchanges()
	for _, e := range exchanges {
		if e.Method == "PUT" && e.Target == prefix+tag && e.Forwarded && e.Digest != "" {
			targets[prefix+e.Digest] = true
		}
	}
	for _, e := range exchanges {
		if e.Method == "DELETE" && targets[e.Target] && e.Forwarded && (e.Upstream == 0 || e.Upstream >= 200 && e.Upstream < 300) {
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

// retaggedTo reports whether the faulty sweep pointed ref ("repo:tag") at
// digest, as a retag does before deleting its throwaway manifest: a forwarded
// PUT of the tag answered with that digest, or whose answer was lost.
func (r *Run) retaggedTo(ref, digest string) bool {
	repo, tag, _ := strings.Cut(ref, ":")
	for _, e := range r.Registry.Exchanges() {
		if e.Method == "PUT" && e.Target == "/v2/"+repo+"/manifests/"+tag && e.Forwarded && (e.Digest == digest || e.Upstream == 0) {
			return true
		}
	}
	return false
}

// holds says what the registry's tag ref points at.
func (r *Run) holds(ref, got string) string {
	switch got {
	case Dangling:
		return "with its manifest missing (a dangling tag)"
	case r.Digests[ref]:
		return "at its seeded manifest " + got
	}
	return fmt.Sprintf("at %s, not its seeded %s", got, r.Digests[ref])
}

// staysWith reports whether ref stays because something whose own staying the
// checks hold to account stays: a signature tag whose image a tag of the
// fixture still holds (or whose deletion the report lists failed), or a tag on
// an index's child while that index, which should have gone too, is still there.
func (r *Run) staysWith(ref string) bool {
	repo, tag, _ := strings.Cut(ref, ":")
	items := r.Report.ByRef()
	if m := oracleSig.FindStringSubmatch(tag); m != nil {
		for other, d := range r.Digests {
			if strings.HasPrefix(other, repo+":") && d == "sha256:"+m[1] && (r.After[other] == d || items[other].Failed()) {
				return true
			}
		}
		return false
	}
	for other, d := range r.Digests {
		if strings.HasPrefix(other, repo+":") && slices.Contains(r.Children[d], r.Digests[ref]) &&
			slices.Contains(r.Expected, other) && r.After[other] == d {
			return true
		}
	}
	return false
}

// name is ref as messages show it: a signature tag says whose it is.
func (r *Run) name(ref string) string {
	repo, tag, _ := strings.Cut(ref, ":")
	m := oracleSig.FindStringSubmatch(tag)
	if m == nil {
		return ref
	}
	var of []string
	for other, d := range r.Digests {
		if strings.HasPrefix(other, repo+":") && d == "sha256:"+m[1] {
			of = append(of, other)
		}
	}
	slices.Sort(of)
	return ref + " (the signature of " + strings.Join(of, ", ") + ")"
}
