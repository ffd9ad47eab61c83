package plan_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var read = time.Date(2026, 11, 29, 23, 0, 1, 0, time.UTC)

func samplePlan() plan.Plan {
	return plan.Plan{
		CreatedAt: time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC),
		Registry:  "registry.example.com",
		Items: []plan.Item{
			{Repository: "jarvis", Tag: "PR3574-test", Digest: "sha256:" + strings.Repeat("c5", 32), Action: policy.Delete,
				PR: "3574", State: scm.Closed, Reason: "PR 3574 is closed", Method: registry.MethodRetag,
				SharedWith: []string{"jarvis:5.32.0-develop"}, Rule: 1, Source: "ado", ReadAt: read},
			{Repository: "jarvis", Tag: "5.32.0-develop", Digest: "sha256:" + strings.Repeat("c5", 32), Action: policy.Keep,
				Reason: "no rule matches", SharedWith: []string{"jarvis:PR3574-test"}},
			{Repository: "jarvis", Kind: plan.KindManifest, Digest: "sha256:" + strings.Repeat("0a", 32), Action: policy.Delete,
				Method: registry.MethodDigest, LinkedTo: "jarvis:PR3571-test", Reason: "part of jarvis:PR3571-test, which nothing kept uses"},
			{Repository: "jarvis", Tag: "PR3571-test", Digest: "sha256:" + strings.Repeat("b9", 32), Action: policy.Delete,
				PR: "3571", State: scm.Merged, Reason: "PR 3571 is merged", Method: registry.MethodDigest, Rule: 1, Source: "ado", ReadAt: read,
				Removes: []string{"jarvis@sha256:" + strings.Repeat("0a", 32)}},
			{Repository: "jarvis", Tag: "PR3589-test", Action: policy.Keep, PR: "3589", State: scm.Unknown, Rule: 1, Source: "ado", ReadAt: read,
				Reason: "state of PR 3589 could not be read", Error: "reading PR 3589: credentials refused by the source"},
			{Repository: "jarvis", Tag: "latest", Action: policy.Keep, Reason: "matches keep pattern ^latest$", KeptBy: "^latest$"},
		},
	}
}

func TestWriteGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := plan.Write(&buf, samplePlan()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plan.golden.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("plan file (-golden +got):\n%s", diff)
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	p := samplePlan()
	if err := plan.Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	got, err := plan.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := samplePlan()
	want.Schema = plan.Schema
	plan.Sort(want.Items)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadRefuses(t *testing.T) {
	var buf bytes.Buffer
	if err := plan.Write(&buf, samplePlan()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := map[string]string{
		"another schema":        strings.Replace(good, "prsweep.plan/v1", "prsweep.plan/v2", 1),
		"unknown field":         strings.Replace(good, `"tag":"latest"`, `"tag":"latest","force":true`, 1),
		"delete with no digest": strings.Replace(good, `"digest":"sha256:b9b9`, `"digest":"x`, 1),
		"two documents":         good + good,
		"truncated":             good[:len(good)/2],
		"no registry":           strings.Replace(good, `"registry":"registry.example.com"`, `"registry":""`, 1),
		"unknown action":        strings.Replace(good, `"action":"keep"`, `"action":"maybe"`, 1),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if data == good {
				t.Fatal("the edit did not apply")
			}
			if _, err := plan.Read(strings.NewReader(data)); !errors.Is(err, plan.ErrBadPlan) {
				t.Errorf("Read = %v, want ErrBadPlan", err)
			}
		})
	}
}
