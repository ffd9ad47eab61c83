package sweep_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// One GitHub token for both fakes, as GITHUB_TOKEN is in Actions.
const ghPairToken = "ghp_pairToken0123456789abcdefghijklmnop" // fake

// ghPair is GHCR (in front of distribution v3) and GitHub's pull requests, each
// through its fake: what a repository on github.com sees.
type ghPair struct {
	*ghcrEnv
	gh *scmtest.GitHub
}

// newGHPair starts both fakes; the pull requests of contoso/jarvis are the classic
// set's (3571 merged, 3574 closed, the others open) and the graph set's extra ones,
// 3575, 3600 and 3610, merged.
func newGHPair(t *testing.T) *ghPair {
	t.Helper()
	e := &ghPair{ghcrEnv: newGHCREnv(t), gh: scmtest.NewGitHub(t, ghPairToken)}
	e.ghcr.AddClassicToken(ghPairToken, "read:packages", "write:packages", "delete:packages")
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for n, s := range classicStates() {
		var at time.Time
		if s != "open" {
			at = closed
		}
		e.gh.SetPR("contoso/jarvis", atoi(t, n), s, at)
	}
	for _, n := range []int{3575, 3600, 3610} {
		e.gh.SetPR("contoso/jarvis", n, "merged", closed)
	}
	return e
}

// sweeper reads a configuration with the ghcr registry and the github source,
// the rule asking contoso/{name}.
func (e *ghPair) sweeper(t *testing.T, extra string) *sweep.Sweeper {
	t.Helper()
	yaml := fmt.Sprintf(`registry:
  type: ghcr
  url: %s
  api: %s
  owner: %s
  token: ${GITHUB_TOKEN}
  caFile: %s
sources:
  - name: gh
    type: github
    url: %s
    token: ${GITHUB_TOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: gh
    repo: contoso/{name}
%s`, e.ghcr.Host(), e.ghcr.APIURL(), ghcrOwner, e.caFile, e.gh.URL(), extra)
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) (string, bool) { return ghPairToken, k == "GITHUB_TOKEN" })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s, err := sweep.New(cfg, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkStates checks that each tag with a pull request was given its state from
// contoso/jarvis, and that GitHub was asked about each pull request once, in one
// GraphQL query, with no REST read.
func (e *ghPair) checkStates(t *testing.T, res sweep.Result, want map[string]scm.State) {
	t.Helper()
	got := map[string]scm.State{}
	for _, it := range res.Items {
		if it.PR == "" {
			continue
		}
		got[it.PR] = it.State
		if it.PRRepo != "contoso/jarvis" {
			t.Errorf("%s asked %q, want contoso/jarvis", it.Ref(), it.PRRepo)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	if q := e.gh.GraphQLQueries(); !slices.Equal(q, []int{len(want)}) {
		t.Errorf("GraphQL queries asked for %v pull requests, want [%d]", q, len(want))
	}
	if n := e.gh.Requests("GET pull"); n != 0 {
		t.Errorf("%d REST reads of pull requests, want 0", n)
	}
}

var classicGitHubStates = map[string]scm.State{"3571": scm.Merged, "3574": scm.Closed, "3561": scm.Open, "3565": scm.Open, "3589": scm.Open}

// The classic set on GHCR with its pull requests on GitHub: PR3574-test, on the
// version 5.32.0-develop also tags, is moved off it and goes; the release keeps its
// version and digest; a second sweep finds nothing to do.
func TestGHCRWithGitHubClassic(t *testing.T) {
	e := newGHPair(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	release := map[string]string{}
	for _, tag := range []string{"5.32.0-develop", "5.32.0-develop-arm"} {
		release[tag] = headDigest(t, e.backend.Host(), "jarvis", tag)
	}
	s := e.sweeper(t, "")
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var items []outcomeItem
	for _, it := range res.Items {
		if it.Failed() {
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
		items = append(items, outcomeItem{it.Ref(), it.Action == "delete" && it.Done})
	}
	e.checkClassic(t, items)
	e.checkStates(t, res, classicGitHubStates)
	for tag, d := range release {
		if got := headDigest(t, e.backend.Host(), "jarvis", tag); got != d {
			t.Errorf("jarvis:%s points at %s, was %s", tag, got, d)
		}
	}
	for _, again := range run(t, s, false) {
		if again.deleted {
			t.Errorf("a second sweep deleted %s", again.ref)
		}
	}
}

// The graph set (indexes with tagged and untagged children, an index sharing a
// child with a release, cosign signatures and OCI referrers) on GHCR with GitHub's
// states, untagged: delete: what the merged pull requests held goes, what a kept
// tag needs stays, and everything left pulls whole.
func TestGHCRWithGitHubGraph(t *testing.T) {
	e := newGHPair(t)
	gone, stay := graphSet(t, e.backend)
	res, err := e.sweeper(t, "untagged: delete\n").Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Failed() {
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
	}
	for _, d := range gone {
		if exists(t, e.backend.Host(), d) {
			t.Errorf("%s is still in the registry", d)
		}
	}
	for _, d := range stay {
		if !exists(t, e.backend.Host(), d) {
			t.Errorf("%s was removed, but a kept tag needs it", d)
		}
	}
	pullEverything(t, e.backend.Host())
	want := map[string]scm.State{"3575": scm.Merged, "3600": scm.Merged, "3610": scm.Merged}
	for n, s := range classicGitHubStates {
		want[n] = s
	}
	e.checkStates(t, res, want)
}

// GitHub's secondary limit on the source and 429s on every fourth Packages API
// request: the sweep waits as told and ends as an unlimited one does.
func TestGHCRWithGitHubRateLimited(t *testing.T) {
	e := newGHPair(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	e.ghcr.RateLimitEvery(4, registrytest.GHCR429)
	e.gh.SecondaryLimit(2, 20*time.Second)
	e.checkClassic(t, run(t, e.sweeper(t, ""), false))
	w := e.waits.Waits()
	if !slices.Contains(w, 20*time.Second) {
		t.Errorf("waits %v: GitHub's Retry-After of 20s was not honoured", w)
	}
	if e.ghcr.Limited() == 0 || len(w) < e.ghcr.Limited()+2 {
		t.Errorf("%d registry requests rate-limited, 2 source requests, %d waits", e.ghcr.Limited(), len(w))
	}
}

// atoi parses a pull-request number of the test's own tables.
func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A PR tag on a child of a kept release index: the tag goes (or stays, said why),
// but the child's version never does, and the release pulls whole.
func TestGHCRWithGitHubPRTagOnAReleaseChild(t *testing.T) {
	e := newGHPair(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	rel, err := e.backend.SeedIndex(context.Background(), "jarvis", "5.40.0",
		[]registrytest.Image{{Seed: 7001, OCI: true, Tag: "PR3610-amd64"}, {Seed: 7003, OCI: true, Platform: "linux/arm64", Tag: "5.40.0-arm64"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.sweeper(t, "").Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Ref() == "jarvis:PR3610-amd64" && !it.Done && it.Reason == "" {
			t.Errorf("%s kept without a reason", it.Ref())
		}
	}
	for _, d := range append([]string{rel.Digest}, rel.Children...) {
		if !exists(t, e.backend.Host(), d) {
			t.Errorf("%s was removed, but the release 5.40.0 needs it", d)
		}
	}
	if err := registrytest.Pull(context.Background(), e.backend.Host(), "jarvis", "5.40.0"); err != nil {
		t.Error(err)
	}
}
