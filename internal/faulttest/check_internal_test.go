package faulttest

import (
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/report"
)

// goodRun is a run in which the faulty sweep deleted a and failed on b (kept,
// reported), and the fault-free sweep then deleted b. keep stays throughout.
func goodRun(t *testing.T) *Run {
	t.Helper()
	p, err := NewProxy("http://127.0.0.1:1", Options{Name: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	digests := map[string]string{"r:a": "sha256:a", "r:b": "sha256:b", "r:keep": "sha256:k"}
	items := []plan.Item{
		{Repository: "r", Tag: "a", Action: policy.Delete, Done: true},
		{Repository: "r", Tag: "b", Action: policy.Delete, Error: "deleting by untag: unexpected HTTP 500"},
		{Repository: "r", Tag: "keep", Action: policy.Keep},
	}
	return &Run{
		Digests: digests, Expected: []string{"r:a", "r:b"}, Registry: p,
		Outcome: Outcome{Code: 1}, Report: &Report{Items: items, Summary: report.Summarize(items, false)},
		After: map[string]string{"r:b": "sha256:b", "r:keep": "sha256:k"},
		Clean: Outcome{Code: 0}, CleanReport: &Report{Items: []plan.Item{
			{Repository: "r", Tag: "b", Action: policy.Delete, Done: true}, {Repository: "r", Tag: "keep", Action: policy.Keep}}},
		Final: map[string]string{"r:keep": "sha256:k"},
	}
}

// Every default check passes a good run and flags the breach it is for.
func TestChecksBite(t *testing.T) {
	tests := []struct {
		check  string
		breach func(r *Run)
	}{
		{WrongDeletion, func(r *Run) { delete(r.After, "r:keep"); delete(r.Final, "r:keep") }},
		{WrongDeletion, func(r *Run) { r.After["r:keep"] = "sha256:other" }},
		{UnreportedDeletion, func(r *Run) { delete(r.After, "r:b") }}, // gone, reported failed, never sent upstream
		{UnreportedDeletion, func(r *Run) {
			r.Report.Items = r.Report.Items[1:]
			r.Report.Summary = report.Summarize(r.Report.Items, false)
		}},
		{FalseDeletion, func(r *Run) { r.After["r:a"] = "sha256:a" }},
		{UnreportedFailure, func(r *Run) { r.Outcome.Code = 0 }},
		{UnreportedFailure, func(r *Run) { r.Report.Summary.Failed = 0 }},
		{UnreportedFailure, func(r *Run) { r.Report.Items[1].Error, r.Report.Items[1].Action = "", policy.Keep }},
		{UnreportedFailure, func(r *Run) { r.Report = nil }},
		{UnreportedFailure, func(r *Run) {
			r.Report.Items[2].PR, r.Report.Items[2].State = "7", "unknown"
		}},
		{EndState, func(r *Run) { r.Final["r:b"] = "sha256:b" }},
		{EndState, func(r *Run) { r.Clean.Code = 1 }},
		{EndState, func(r *Run) { r.Final["r:new"] = "sha256:n" }},
		{EndState, func(r *Run) { r.CleanReport.Items[0].Done = false }},
		{SecretLeak, func(r *Run) {
			r.Debug = []byte("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+Token)))
		}},
		{SecretLeak, func(r *Run) { r.Outcome.Stderr = "reading pull request: status \"" + Token + "\"" }},
	}
	for _, c := range DefaultChecks() {
		if v := c.Fn(goodRun(t)); len(v) > 0 {
			t.Errorf("%s flags a good run: %v", c.Name, v)
		}
	}
	for i, tt := range tests {
		r := goodRun(t)
		tt.breach(r)
		flagged := map[string][]string{}
		for _, c := range DefaultChecks() {
			if v := c.Fn(r); len(v) > 0 {
				flagged[c.Name] = v
			}
		}
		if len(flagged[tt.check]) == 0 {
			t.Errorf("breach %d: %s did not flag it; flagged %v", i, tt.check, flagged)
		}
	}
}

// A tag that the registry deleted while the client saw a failure is allowed
// when the proxy forwarded its DELETE, and counted.
func TestGoneReportedFailed(t *testing.T) {
	r := goodRun(t)
	delete(r.After, "r:b")
	if got := r.GoneReportedFailed(); !slices.Equal(got, []string{"r:b"}) {
		t.Fatalf("GoneReportedFailed = %v", got)
	}
	r.Registry.mu.Lock()
	r.Registry.log = append(r.Registry.log, Exchange{Method: "DELETE", Target: "/v2/r/manifests/b", Forwarded: true, Upstream: 202, Fault: AfterForward})
	r.Registry.mu.Unlock()
	for _, c := range DefaultChecks() {
		if v := c.Fn(r); len(v) > 0 {
			t.Errorf("%s: %v", c.Name, v)
		}
	}
}

func TestConfigNamesThePatterns(t *testing.T) {
	c := string(Config("127.0.0.1:5000", "http://127.0.0.1:6000/contoso"))
	for _, want := range append(slices.Clone(keepPatterns), tagRule, "url: http://127.0.0.1:5000", "${ADO_TOKEN}") {
		if !strings.Contains(c, want) {
			t.Errorf("the configuration lacks %q:\n%s", want, c)
		}
	}
	if got := ExpectedDeleted(Images(), States(1)); len(got) < 10 || !slices.Contains(got, "big:PR5003-test") ||
		slices.Contains(got, "big:PR5004-keep") || slices.Contains(got, "big:release-1.0") {
		t.Errorf("ExpectedDeleted = %v", got)
	}
	if !maps.Equal(States(9), States(9)) || maps.Equal(States(9), States(10)) {
		t.Error("States is not a function of the seed alone")
	}
}
