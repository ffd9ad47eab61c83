package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixture is a sweep of the classic PR image set, deliberately out of order:
// deletes, keeps, a failed look-up, a failed deletion and a shared-digest keep.
// In a dry run nothing is done.
func fixture(dryRun bool) []plan.Item {
	done := !dryRun
	return []plan.Item{
		{Repository: "team/api", Tag: "pr-42", Digest: "sha256:42", Action: policy.Delete, Done: done,
			PR: "42", State: scm.Closed, Reason: "PR 42 is closed", Method: registry.MethodUntag},
		{Repository: "jarvis", Tag: "PR3571-test-arm", Digest: "sha256:3571arm", Action: policy.Delete, Done: done,
			PR: "3571", State: scm.Merged, Reason: "PR 3571 is merged", Method: registry.MethodDigest},
		{Repository: "jarvis", Tag: "PR3589-test", Digest: "sha256:3589", Action: policy.Keep,
			PR: "3589", State: scm.Unknown, Reason: "state of PR 3589 is unknown",
			Error: "looking up PR 3589: credentials refused by the source"},
		{Repository: "jarvis", Tag: "5.32.0-develop", Digest: "sha256:5320", Action: policy.Keep,
			Reason: "no rule matches", SharedWith: []string{"PR3580-test"}},
		{Repository: "jarvis", Tag: "PR3571-test", Digest: "sha256:3571", Action: policy.Delete, Done: done,
			PR: "3571", State: scm.Merged, Reason: "PR 3571 is merged", Method: registry.MethodUntag},
		{Repository: "jarvis", Tag: "latest", Digest: "sha256:1a7e", Action: policy.Keep,
			Reason: "kept by pattern ^latest$|^stable$"},
		{Repository: "jarvis", Tag: "PR3574-test", Digest: "sha256:3574", Action: policy.Delete,
			PR: "3574", State: scm.Closed, Reason: "PR 3574 is closed", Method: registry.MethodUntag,
			Error: "deleting jarvis:PR3574-test: locked by the registry"},
		{Repository: "jarvis", Tag: "PR3580-test", Digest: "sha256:5320", Action: policy.Keep,
			PR: "3580", State: scm.Merged, Reason: "digest shared with jarvis:5.32.0-develop",
			SharedWith: []string{"5.32.0-develop"}},
		{Repository: "jarvis", Tag: "PR3561-test", Digest: "sha256:3561", Action: policy.Keep,
			PR: "3561", State: scm.Open, Reason: "PR 3561 is open"},
		{Repository: "jarvis", Tag: "PR3600-multi", Digest: "sha256:3600", Action: policy.Delete, Done: done, Size: 1_500_000,
			PR: "3600", State: scm.Merged, Reason: "PR 3600 is merged", Method: registry.MethodUntag,
			Removes: []string{"jarvis@sha256:3600", "jarvis@sha256:36a1"}},
		{Repository: "jarvis", Kind: plan.KindManifest, Digest: "sha256:36a1", Action: policy.Delete, Done: done, Size: 2_000_000,
			LinkedTo: "jarvis:PR3600-multi", Method: registry.MethodDigest, Reason: "part of jarvis:PR3600-multi, which nothing kept uses"},
		{Repository: "jarvis", Kind: plan.KindManifest, Digest: "sha256:3600", Action: policy.Delete, Done: done,
			LinkedTo: "jarvis:PR3600-multi", Method: registry.MethodDigest, Reason: "left untagged by deleting jarvis:PR3600-multi (untagged: delete)"},
	}
}

func TestGolden(t *testing.T) {
	for _, f := range Formats() {
		for _, dryRun := range []bool{false, true} {
			for _, verbose := range []bool{false, true} {
				name := goldenName(f, dryRun, verbose)
				t.Run(name, func(t *testing.T) {
					var buf bytes.Buffer
					r := Report{DryRun: dryRun, Verbose: verbose, Items: fixture(dryRun)}
					if err := Write(&buf, f, r); err != nil {
						t.Fatalf("Write: %v", err)
					}
					path := filepath.Join("testdata", name+".golden")
					if *update {
						if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(path)
					if err != nil {
						t.Fatalf("%v (run go test -update to create it)", err)
					}
					if diff := cmp.Diff(string(want), buf.String()); diff != "" {
						t.Errorf("%s differs from the output (-want +got):\n%s", path, diff)
					}
				})
			}
		}
	}
}

func goldenName(f Format, dryRun, verbose bool) string {
	mode := "run"
	if dryRun {
		mode = "dryrun"
	}
	if verbose {
		mode += "-verbose"
	}
	return fmt.Sprintf("%s-%s", f, mode)
}
