package sweep_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	acrTenant = "0f1e2d3c-0000-4000-8000-00000000aaaa"
	acrClient = "11111111-2222-4333-8444-555555555555"
	acrSecret = "sp-s3cret-Qv7~x9.KeepOutOfLogs" // fake
)

// acrEnv is distribution v3 holding the classic set behind the ACR fake, with a
// service principal that may delete.
type acrEnv struct {
	backend *registrytest.Server
	acr     *registrytest.ACR
	digests map[string]string
	caFile  string
	waits   *httpxtest.Sleeps
	now     func() time.Time // the sweep's clock; nil for time.Now
}

func newACREnv(t *testing.T, opts ...registrytest.ACROption) *acrEnv {
	t.Helper()
	backend := registrytest.StartV3(t)
	e := &acrEnv{backend: backend, digests: registrytest.MustSeed(t, backend, registrytest.ClassicSet()), waits: &httpxtest.Sleeps{}}
	e.acr = registrytest.StartACR(t, backend, opts...)
	e.acr.AddServicePrincipal(acrTenant, acrClient, acrSecret, registrytest.ACRContributor())
	e.caFile = e.acr.WriteCAFile(t, t.TempDir())
	return e
}

// sweeper parses a type acr configuration for the fake, signing in as clientID.
func (e *acrEnv) sweeper(t *testing.T, clientID, extra string) *sweep.Sweeper {
	t.Helper()
	return e.sweeperWithStates(t, clientID, classicStates(), extra)
}

func (e *acrEnv) sweeperWithStates(t *testing.T, clientID string, states map[string]string, extra string) *sweep.Sweeper {
	t.Helper()
	var b strings.Builder
	for n, s := range states {
		fmt.Fprintf(&b, "      %q: %s\n", n, s)
	}
	yaml := fmt.Sprintf(`registry:
  type: acr
  url: https://%s
  caFile: %s
  tenantId: %s
  clientId: %s
  clientSecret: ${ACR_CLIENT_SECRET}
  authorityHost: %s
sources:
  - name: prs
    type: static
    states:
%srules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
%s`, e.acr.Host(), e.caFile, acrTenant, clientID, e.acr.AuthorityHost(), b.String(), extra)
	env := func(k string) (string, bool) { return acrSecret, k == "ACR_CLIENT_SECRET" }
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), env)
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s, err := sweep.New(cfg, sweep.Options{Now: e.now, RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkClassic checks a sweep of the classic set against the expected lists and
// the registry (read directly from the backend) against what must be left.
func (e *acrEnv) checkClassic(t *testing.T, items []outcomeItem, wantDeleted []string) {
	t.Helper()
	var deleted []string
	for _, it := range items {
		if it.deleted {
			deleted = append(deleted, it.ref)
		}
	}
	slices.Sort(deleted)
	if diff := cmp.Diff(wantDeleted, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	var want []string
	for _, img := range registrytest.ClassicSet() {
		if !slices.Contains(wantDeleted, img.Ref()) {
			want = append(want, img.Ref())
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, remaining(t, e.backend.Host())); diff != "" {
		t.Errorf("registry after the sweep (-want +got):\n%s", diff)
	}
}

type outcomeItem struct {
	ref     string
	deleted bool
}

// run sweeps and fails the test on any failed item.
func run(t *testing.T, s *sweep.Sweeper, dryRun bool) []outcomeItem {
	t.Helper()
	res, err := s.Run(context.Background(), dryRun)
	if err != nil {
		t.Fatal(err)
	}
	var out []outcomeItem
	for _, it := range res.Items {
		if it.Failed() {
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
		out = append(out, outcomeItem{it.Ref(), it.Action == policy.Delete && (dryRun || it.Done)})
	}
	return out
}

func TestACRClassicSweep(t *testing.T) {
	e := newACREnv(t)
	s := e.sweeper(t, acrClient, "")
	before := remaining(t, e.backend.Host())
	dry := run(t, s, true)
	if diff := cmp.Diff(before, remaining(t, e.backend.Host())); diff != "" {
		t.Fatalf("a dry run changed the registry (-before +after):\n%s", diff)
	}
	var wouldDelete []string
	for _, it := range dry {
		if it.deleted {
			wouldDelete = append(wouldDelete, it.ref)
		}
	}
	slices.Sort(wouldDelete)
	if diff := cmp.Diff(registrytest.ClassicDeleted(), wouldDelete); diff != "" {
		t.Errorf("dry run would delete (-want +got):\n%s", diff)
	}

	e.checkClassic(t, run(t, s, false), registrytest.ClassicDeleted())
	// PR3574-test shared its digest with 5.32.0-develop: it was untagged, the release stays.
	if got := e.acr.Count("DELETE /v2/{repo}/manifests/{ref}"); got != 0 {
		t.Errorf("%d manifests deleted by digest; every PR tag here goes by untag", got)
	}
	for _, again := range run(t, s, false) {
		if again.deleted {
			t.Errorf("a second sweep deleted %s", again.ref)
		}
	}
}

// A locked PR tag is kept, and says why; nothing is unlocked (the fake fails the
// test on any PATCH).
func TestACRLockedTagIsKept(t *testing.T) {
	noDelete := registrytest.ACRUnlocked()
	noDelete.DeleteEnabled = false
	noWrite := registrytest.ACRUnlocked()
	noWrite.WriteEnabled = false
	tests := []struct {
		name string
		lock func(e *acrEnv)
	}{
		{"tag deleteEnabled false", func(e *acrEnv) { e.acr.SetTagAttributes("jarvis", "PR3571-test", noDelete) }},
		{"tag writeEnabled false", func(e *acrEnv) { e.acr.SetTagAttributes("jarvis", "PR3571-test", noWrite) }},
		{"manifest deleteEnabled false", func(e *acrEnv) {
			e.acr.SetManifestAttributes("jarvis", e.digests["jarvis:PR3571-test"], noDelete)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newACREnv(t)
			tt.lock(e)
			res, err := e.sweeper(t, acrClient, "").Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			var items []outcomeItem
			for _, it := range res.Items {
				items = append(items, outcomeItem{it.Ref(), it.Action == policy.Delete && it.Done})
				if it.Ref() == "jarvis:PR3571-test" && (it.Action != policy.Keep || !strings.Contains(it.Reason, "locked")) {
					t.Errorf("the locked tag: %s, %q; want kept because locked", it.Action, it.Reason)
				}
			}
			want := slices.DeleteFunc(registrytest.ClassicDeleted(), func(r string) bool { return r == "jarvis:PR3571-test" })
			e.checkClassic(t, items, want)
		})
	}
}

// A sweep against a registry at its operations-per-minute limit (every third
// request answers 429) ends as an unthrottled one would, having honoured Retry-After.
func TestACRThrottledSweep(t *testing.T) {
	for _, retryAfter := range []string{"3", ""} {
		t.Run("Retry-After "+retryAfter, func(t *testing.T) {
			e := newACREnv(t)
			e.acr.ThrottleEvery(3, retryAfter)
			e.checkClassic(t, run(t, e.sweeper(t, acrClient, "concurrency: 8\n"), false), registrytest.ClassicDeleted())
			if e.acr.Throttled() < 10 {
				t.Errorf("only %d requests were throttled", e.acr.Throttled())
			}
			if w := e.waits.Waits(); retryAfter != "" && !slices.Contains(w, 3*time.Second) {
				t.Errorf("waits %v, want Retry-After's 3s among them", w)
			}
		})
	}
}

// Access tokens that expire between the plan and the deletions are renewed.
func TestACRExpiredTokenIsRenewed(t *testing.T) {
	e := newACREnv(t)
	s := e.sweeper(t, acrClient, "")
	run(t, s, true)
	tokens := e.acr.Count("POST /oauth2/token")
	e.acr.ExpireAccessTokens()
	e.checkClassic(t, run(t, s, false), registrytest.ClassicDeleted())
	if e.acr.Count("POST /oauth2/token") == tokens {
		t.Error("no access token was renewed")
	}
}

// validate tells an identity that may list but not delete which permission it lacks.
func TestACRValidateNamesTheMissingPermission(t *testing.T) {
	e := newACREnv(t)
	const readerID = "22222222-2222-4333-8444-555555555555"
	e.acr.AddServicePrincipal(acrTenant, readerID, acrSecret, registrytest.ACRReader())
	checks := e.sweeper(t, readerID, "").Validate(context.Background())
	byName := map[string]sweep.Check{}
	for _, c := range checks {
		byName[c.Name] = c
	}
	if c := byName["registry"]; c.Err != nil {
		t.Errorf("listing as a reader: %v", c.Err)
	}
	c := byName["registry permissions"]
	if !errors.Is(c.Err, registry.ErrUnauthorized) ||
		!strings.Contains(c.Err.Error(), "Microsoft.ContainerRegistry/registries/repositories/content/delete") {
		t.Errorf("registry permissions check: %v; want ErrUnauthorized naming the data action", c.Err)
	}
	if c := e.sweeper(t, acrClient, "").Validate(context.Background()); len(c) < 2 || c[1].Err != nil {
		t.Errorf("validate as a contributor: %+v", c)
	}
}
