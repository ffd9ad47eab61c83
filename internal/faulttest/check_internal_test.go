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
	clean := []plan.Item{{Repository: "r", Tag: "b", Action: policy.Delete, Done: true}, {Repository: "r", Tag: "keep", Action: policy.Keep}}
	return &Run{
		Digests: digests, Expected: []string{"r:a", "r:b"}, Registry: p,
		Outcome: Outcome{Code: 1}, Report: &Report{Items: items, Summary: report.Summarize(items, false)},
		After: map[string]string{"r:b": "sha256:b", "r:keep": "sha256:k"},
		Clean: Outcome{Code: 0}, CleanReport: &Report{Items: clean, Summary: report.Summarize(clean, false)},
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
		{EndState, func(r *Run) { // exit 0, and yet a failed item
			r.CleanReport.Items = append(r.CleanReport.Items, plan.Item{Repository: "r", Tag: "x", Action: policy.Keep, Error: "reading: 500"})
		}},
		{FalseDeletion, func(r *Run) { r.After["r:a"] = Dangling }},    // listed, its manifest gone
		{FalseDeletion, func(r *Run) { r.Final["r:b"] = Dangling }},    // the fault-free sweep said deleted
		{WrongDeletion, func(r *Run) { r.After["r:keep"] = Dangling }}, // a kept tag lost its manifest
		{KeptBroken, func(r *Run) { r.Broken = map[string]string{"r:keep": "GET …: 404"} }},
		{UnreportedFailure, func(r *Run) { r.After["r:b"], r.Report.Items[1].Error = Dangling, "" }},
		{IncompleteListing, func(r *Run) {
			r.Registry.mu.Lock()
			defer r.Registry.mu.Unlock()
			r.Registry.log = append(r.Registry.log,
				Exchange{Method: "GET", Target: "/v2/r/tags/list?last=b&n=2", Fault: PageFailure, Answer: "500"},
				Exchange{Method: "DELETE", Target: "/v2/r/manifests/a", Forwarded: true, Upstream: 202})
		}},
		{IncompleteListing, func(r *Run) { // the DELETE came after the failed page, and a tag went
			r.Registry.mu.Lock()
			defer r.Registry.mu.Unlock()
			r.Registry.log = append(r.Registry.log,
				Exchange{Method: "GET", Target: "/v2/r/tags/list?last=b&n=2", Fault: PageFailure, Answer: "500"},
				Exchange{Method: "DELETE", Target: "/v2/r/manifests/sha256:x", Forwarded: true, Upstream: 404})
		}},
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

// A listing that fails only when read back after a deletion is no breach of
// rule 7.
func TestReadBackListingFails(t *testing.T) {
	r := goodRun(t)
	r.Registry.mu.Lock()
	r.Registry.log = append(r.Registry.log,
		Exchange{Method: "GET", Target: "/v2/r/tags/list?n=2", Forwarded: true, Upstream: 200},
		Exchange{Method: "DELETE", Target: "/v2/r/manifests/a", Forwarded: true, Upstream: 202},
		Exchange{Method: "GET", Target: "/v2/r/tags/list?last=keep&n=2", Fault: PageFailure, Answer: "500"},
		Exchange{Method: "DELETE", Target: "/v2/r/manifests/b", Forwarded: true, Upstream: 500})
	r.Registry.mu.Unlock()
	if v := checkListingComplete(r); len(v) > 0 {
		t.Error(v)
	}
}

// On 2.8 a DELETE of the tag's digest, or of the throwaway a PUT pointed the tag
// at, removes it as a DELETE of the tag does on v3.
func TestDeletedUpstreamByDigest(t *testing.T) {
	r := goodRun(t)
	delete(r.After, "r:b")
	r.Registry.mu.Lock()
	r.Registry.log = append(r.Registry.log,
		Exchange{Method: "DELETE", Target: "/v2/r/manifests/sha256:other", Forwarded: true, Upstream: 202},
		Exchange{Method: "PUT", Target: "/v2/r/manifests/a", Forwarded: true, Upstream: 201, Digest: "sha256:throwaway"})
	r.Registry.mu.Unlock()
	if DeletedUpstream(r.Registry, "r:b", "sha256:b") || DeletedUpstream(r.Registry, "r:a", "sha256:a") {
		t.Fatal("a DELETE of another digest counts")
	}
	r.Registry.mu.Lock()
	r.Registry.log = append(r.Registry.log,
		Exchange{Method: "DELETE", Target: "/v2/r/manifests/sha256:b", Forwarded: true, Fault: AfterForward404, Upstream: 202},
		Exchange{Method: "DELETE", Target: "/v2/r/manifests/sha256:throwaway", Forwarded: true, Fault: AfterForward},
	)
	r.Registry.mu.Unlock()
	if !DeletedUpstream(r.Registry, "r:b", "sha256:b") || !DeletedUpstream(r.Registry, "r:a", "sha256:a") {
		t.Error("a forwarded DELETE of the digest, or of the retag's throwaway, does not count")
	}
	for _, c := range DefaultChecks() {
		if v := c.Fn(r); len(v) > 0 {
			t.Errorf("%s: %v", c.Name, v)
		}
	}
}

// A tag on an index's child stays, without a failure of its own, while the
// index it belongs to stays with one; not while a kept index holds it.
func TestChildStaysWithItsIndex(t *testing.T) {
	r := goodRun(t)
	r.Digests["r:list"], r.Digests["r:list-arm64"] = "sha256:l", "sha256:c"
	r.Children = map[string][]string{"sha256:l": {"sha256:c"}}
	r.Expected = append(r.Expected, "r:list", "r:list-arm64")
	r.After["r:list"], r.After["r:list-arm64"] = "sha256:l", "sha256:c"
	r.Report.Items = append(r.Report.Items,
		plan.Item{Repository: "r", Tag: "list", Action: policy.Delete, Error: "not deleted this time"},
		plan.Item{Repository: "r", Tag: "list-arm64", Action: policy.Keep, Reason: "used by r:list"})
	r.Report.Summary = report.Summarize(r.Report.Items, false)
	if v := checkFailuresReported(r); len(v) > 0 {
		t.Errorf("flagged: %v", v)
	}
	r.Expected = slices.DeleteFunc(r.Expected, func(s string) bool { return s == "r:list" })
	if v := checkFailuresReported(r); len(v) != 1 || !strings.Contains(v[0], "r:list-arm64") {
		t.Errorf("a child a kept index holds, kept without a failure: %v", v)
	}
}

// A tag the faulty sweep left on a retag's throwaway is no wrong deletion when
// the report lists it failed; when it does not, it is.
func TestRetaggedAndFailed(t *testing.T) {
	r := goodRun(t)
	r.After["r:b"] = "sha256:throwaway"
	r.Registry.mu.Lock()
	r.Registry.log = append(r.Registry.log, Exchange{Method: "PUT", Target: "/v2/r/manifests/b", Forwarded: true, Upstream: 201, Digest: "sha256:throwaway"})
	r.Registry.mu.Unlock()
	if v := checkKept(r); len(v) > 0 {
		t.Errorf("flagged: %v", v)
	}
	r.Report.Items[1].Error = ""
	if v := checkKept(r); len(v) == 0 {
		t.Error("a throwaway not reported failed passes")
	}
}

func TestConfigNamesThePatterns(t *testing.T) {
	c := string(Config("127.0.0.1:5000", "http://127.0.0.1:6000/contoso", Setup{Untagged: "delete", Referrers: "keep", Concurrency: 8}))
	for _, want := range append(slices.Clone(keepPatterns), tagRule, "url: http://127.0.0.1:5000", "${ADO_TOKEN}",
		"untagged: delete", "referrers: keep", "concurrency: 8") {
		if !strings.Contains(c, want) {
			t.Errorf("the configuration lacks %q:\n%s", want, c)
		}
	}
	f := Fixture{Digests: map[string]string{}}
	for _, img := range Images() {
		f.Digests[img.Ref()] = "sha256:" + img.Ref()
	}
	if got := ExpectedDeleted(f, States(1), SetupFor(1, "v3")); len(got) < 10 || !slices.Contains(got, "big:PR5003-test") ||
		slices.Contains(got, "big:PR5004-keep") || slices.Contains(got, "big:release-1.0") {
		t.Errorf("ExpectedDeleted = %v", got)
	}
	if !maps.Equal(States(9), States(9)) || maps.Equal(States(9), States(10)) {
		t.Error("States is not a function of the seed alone")
	}
	setups := map[Setup]bool{}
	for seed := range uint64(40) {
		setups[SetupFor(seed, "v3")] = true
	}
	if a, b := SetupFor(9, "2.8"), SetupFor(9, "2.8"); len(setups) < 8 || a != b {
		t.Errorf("SetupFor gives %d configurations in 40 seeds", len(setups))
	}
}
