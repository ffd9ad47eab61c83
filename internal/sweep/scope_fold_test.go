package sweep_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/sweep"
)

// GitHub and GitLab repository paths ignore case, and registries spell image
// repositories in lower case: a webhook's octo-org/jarvis is the rule's
// Octo-Org/Jarvis, so a sweep for it deletes that pull request's tags (and still
// only those).
func TestForPRRepoIgnoresCase(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	s := newSweeper(t, srv.Host(), classicStates(), "")
	s.Policy.Rules[0].Repo = "Octo-Org/Jarvis"
	ref := scm.Ref{Source: "prs", Repo: "octo-org/jarvis", Number: "3574"}
	res, err := s.ForPR(ref).Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	del, _ := outcome(t, res.Items)
	want := []string{"jarvis:PR3574-test", "jarvis:PR3574-test-arm"}
	if diff := cmp.Diff(want, del); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	var in []string
	for _, it := range sweep.InScope(res.Items, ref) {
		in = append(in, it.Ref())
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("InScope (-want +got):\n%s", diff)
	}
}
