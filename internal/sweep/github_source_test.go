package sweep_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const ghToken = "ghp_sweepTest0123456789abcdefghijklmnopq" // fake

// githubSweeper parses a configuration for the v3 registry at host with a github
// source at the fake, rules asking contoso/{name}, deleting the states in del.
func githubSweeper(t *testing.T, host string, gh *scmtest.GitHub, del string, o sweep.Options) *sweep.Sweeper {
	t.Helper()
	cfg := parseConfig(t, fmt.Sprintf(`registry: {url: "http://%s"}
sources:
  - {name: gh, type: github, url: %q, token: "${GH_TOKEN}"}
rules:
  - {tags: '^PR(?P<pr>\d+)-', source: gh, repo: 'contoso/{name}', delete: %s}
`, host, gh.URL(), del), map[string]string{"GH_TOKEN": ghToken})
	s, err := sweep.New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// classicGitHub is the classic set's pull requests on the fake, in contoso/jarvis:
// 3571 merged, 3574 closed, 3561 open; 3565 answers 500 whatever is asked (and is
// left out of GraphQL's answers, so it is read alone); 3589 does not exist.
func classicGitHub(t *testing.T) *scmtest.GitHub {
	gh := scmtest.NewGitHub(t, ghToken)
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	gh.SetPR("contoso/jarvis", 3571, "merged", closed)
	gh.SetPR("contoso/jarvis", 3574, "closed", closed)
	gh.SetPR("contoso/jarvis", 3561, "open", time.Time{})
	gh.SetPR("contoso/jarvis", 3565, "open", time.Time{})
	gh.OmitInGraphQL("contoso/jarvis", 3565)
	gh.FailPR("contoso/jarvis", 3565, http.StatusInternalServerError, scmtest.Forever)
	return gh
}

func TestGitHubSourceSweepsTheClassicSet(t *testing.T) {
	for _, tc := range []struct {
		name, del string
		extra     []string // deleted beyond the classic set's
	}{
		{"merged and closed", "[merged, closed]", nil},
		{"missing too", "[merged, closed, missing]", []string{"jarvis:PR3589-test", "jarvis:PR3589-test-arm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			gh := classicGitHub(t)
			waits := &httpxtest.Sleeps{}
			s := githubSweeper(t, srv.Host(), gh, tc.del, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(waits.Sleep)}})
			res, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			wantDeleted := slices.Sorted(slices.Values(append(registrytest.ClassicDeleted(), tc.extra...)))
			var wantKept []string
			for _, k := range registrytest.ClassicPreserved() {
				if !slices.Contains(tc.extra, k) {
					wantKept = append(wantKept, k)
				}
			}
			var del, kept []string
			states := map[string]scm.State{}
			for _, it := range res.Items {
				if it.PR != "" {
					states[it.PR] = it.State
					if it.PRRepo != "contoso/jarvis" {
						t.Errorf("%s asked repository %q, want contoso/jarvis", it.Ref(), it.PRRepo)
					}
				}
				if it.Action == "delete" && it.Done {
					del = append(del, it.Ref())
				} else {
					kept = append(kept, it.Ref())
				}
			}
			slices.Sort(del)
			slices.Sort(kept)
			if d := cmp.Diff(wantDeleted, del); d != "" {
				t.Errorf("deleted (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantKept, kept); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantKept, remaining(t, srv.Host())); d != "" {
				t.Errorf("registry after the sweep (-want +got):\n%s", d)
			}
			wantStates := map[string]scm.State{"3571": scm.Merged, "3574": scm.Closed, "3561": scm.Open, "3565": scm.Unknown, "3589": scm.Missing}
			if d := cmp.Diff(wantStates, states); d != "" {
				t.Errorf("states (-want +got):\n%s", d)
			}
			// One query for the five pull requests; REST only for what it did not answer.
			if q := gh.GraphQLQueries(); !slices.Equal(q, []int{5}) {
				t.Errorf("GraphQL queries asked for %v pull requests, want [5]", q)
			}
			for n, want := range map[int]int{3571: 0, 3574: 0, 3561: 0, 3565: 5, 3589: 1} {
				if got := gh.PullReads("contoso/jarvis", n); got != want {
					t.Errorf("PR %d read %d times through REST, want %d", n, got, want)
				}
			}
		})
	}
}

// 130 pull requests in one repository: two queries, and no REST read.
func TestGitHubSourceBatchesAHundredPerQuery(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ManyTags("jarvis_base", "PR", 130))
	gh := scmtest.NewGitHub(t, ghToken)
	var want []string
	for i := range 130 {
		state := "open"
		if i%10 == 0 {
			state = "merged"
			want = append(want, fmt.Sprintf("jarvis_base:PR%d-test", 5000+i))
		}
		gh.SetPR("contoso/jarvis_base", 5000+i, state, time.Time{})
	}
	lim := httpx.NewLimiter(httpx.Limits{Concurrency: 4})
	res, err := githubSweeper(t, srv.Host(), gh, "[merged]", sweep.Options{Limiter: lim}).Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var del []string
	for _, it := range res.Items {
		if it.Action == "delete" && it.Done {
			del = append(del, it.Ref())
		}
		if it.Error != "" {
			t.Errorf("%s: %s", it.Ref(), it.Error)
		}
	}
	slices.Sort(del)
	slices.Sort(want)
	if d := cmp.Diff(want, del); d != "" {
		t.Errorf("deleted (-want +got):\n%s", d)
	}
	if q := gh.GraphQLQueries(); !slices.Equal(q, []int{100, 30}) {
		t.Errorf("GraphQL queries asked for %v pull requests, want [100 30]", q)
	}
	if n := gh.Requests("GET pull"); n != 0 {
		t.Errorf("%d REST reads of pull requests, want 0", n)
	}
	if n := lim.Stats().Requests[httpx.Key{Method: "POST", Kind: httpx.KindSource}]; n != 2 {
		t.Errorf("%d source POSTs through the limiter, want 2", n)
	}
}

// A sweep that meets GitHub's secondary rate limit waits it out and ends the same.
func TestGitHubSourceRateLimitedSweepEndsTheSame(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	gh := classicGitHub(t)
	gh.SecondaryLimit(2, 20*time.Second)
	waits := &httpxtest.Sleeps{}
	res, err := githubSweeper(t, srv.Host(), gh, "[merged, closed]", sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(waits.Sleep)}}).Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var del []string
	for _, it := range res.Items {
		if it.Action == "delete" && it.Done {
			del = append(del, it.Ref())
		}
	}
	slices.Sort(del)
	if d := cmp.Diff(registrytest.ClassicDeleted(), del); d != "" {
		t.Errorf("deleted (-want +got):\n%s", d)
	}
	if !slices.Contains(waits.Waits(), 20*time.Second) {
		t.Errorf("waits %v: the Retry-After of 20s was not honoured", waits.Waits())
	}
	for _, it := range res.Items {
		if it.PR == "3565" && !strings.Contains(it.Error, "500") {
			t.Errorf("PR 3565: error %q, want the 500", it.Error)
		}
	}
}

// validate reads the repository a rule names and one of its pull requests.
func TestGitHubSourceValidate(t *testing.T) {
	srv := registrytest.StartV3(t)
	registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	for _, hidden := range []bool{false, true} {
		gh := classicGitHub(t)
		if hidden {
			gh.HideRepo("contoso/jarvis")
		}
		cfg := parseConfig(t, fmt.Sprintf(`registry: {url: "http://%s"}
sources: [{name: gh, type: github, url: %q, token: "${GH_TOKEN}"}]
rules: [{tags: '^PR(?P<pr>\d+)-', source: gh, repo: contoso/jarvis}]
`, srv.Host(), gh.URL()), map[string]string{"GH_TOKEN": ghToken})
		s, err := sweep.New(cfg, sweep.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var src *sweep.Check
		for _, c := range s.Validate(context.Background()) {
			if c.Name == "source gh" {
				src = &c
			}
		}
		switch {
		case src == nil:
			t.Fatal("no check of source gh")
		case !hidden && src.Err != nil:
			t.Errorf("readable repository: %v", src.Err)
		case hidden && (src.Err == nil || !strings.Contains(src.Err.Error(), "contoso/jarvis") || !strings.Contains(src.Err.Error(), "pull requests: read")):
			t.Errorf("hidden repository: %v; want it named with the permission", src.Err)
		}
		if n := gh.Requests("GET repo"); n != 1 {
			t.Errorf("hidden=%v: %d repository reads, want 1", hidden, n)
		}
	}
}
