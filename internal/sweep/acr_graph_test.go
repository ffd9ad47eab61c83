package sweep_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
)

// untagged: delete, through ACR: a PR tag is untagged, then its manifest, now
// untagged, is deleted by digest with the children nothing kept needs; an index's
// child that a kept index still lists stays. The graph is the one graph_test sweeps.
func TestACRGraphSweep(t *testing.T) {
	e := newACREnv(t)
	gone, stay := graphSet(t, e.backend)
	states := classicStates()
	for _, pr := range []string{"3600", "3575", "3610"} {
		states[pr] = "merged"
	}
	run(t, e.sweeperWithStates(t, acrClient, states, "untagged: delete\n"), false)
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
	if e.acr.Count("DELETE /v2/{repo}/manifests/{ref}") == 0 {
		t.Error("no manifest was deleted by digest")
	}
	pullEverything(t, e.backend.Host())
}

// minAge on ACR counts from the push: ACR's createdTime of the manifest.
func TestACRMinAge(t *testing.T) {
	e := newACREnv(t)
	now := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return now }
	for ref, age := range map[string]time.Duration{"jarvis:PR3571-test": 72 * time.Hour, "jarvis:PR3571-test-arm": 2 * time.Hour} {
		repo, _, _ := strings.Cut(ref, ":")
		e.acr.SetCreated(repo+"@"+e.digests[ref], now.Add(-age))
	}
	s := e.sweeper(t, acrClient, "")
	s.Policy.Rules[0].MinAge = 24 * time.Hour
	res, err := s.Run(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		switch it.Ref() {
		case "jarvis:PR3571-test":
			if it.Action != policy.Delete {
				t.Errorf("an image pushed 3 days ago: %+v, want deleted", it)
			}
		case "jarvis:PR3571-test-arm":
			if it.Action != policy.Keep || !strings.Contains(it.Reason, "2h0m0s old") {
				t.Errorf("an image pushed 2 hours ago: %+v, want kept as too young", it)
			}
		}
	}
}
