package sweep_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/static"
	"github.com/prsweep/prsweep/internal/sweep"
)

// faultProxy forwards to a registry, except where fail says to answer 500.
func faultProxy(t *testing.T, backend *registrytest.Server, fail func(*http.Request) bool) string {
	t.Helper()
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail(r) {
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"injected"}]}`, http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func noSleep(context.Context, time.Duration) error { return nil }

// Safety rules 4 and 7: a failed listing page keeps the whole repository, a failed
// deletion keeps its tag, and the sweep goes on with everything else.
func TestFaultsKeepWhatTheyTouch(t *testing.T) {
	backend := registrytest.StartV3(t)
	images := append(registrytest.ClassicSet(), registrytest.ManyTags("big", "PR", 120)...)
	registrytest.MustSeed(t, backend, images)
	host := faultProxy(t, backend, func(r *http.Request) bool {
		secondPage := r.URL.Path == "/v2/big/tags/list" && r.URL.Query().Get("last") != ""
		deleteArm := r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/manifests/PR3571-test-arm")
		return secondPage || deleteArm
	})
	reg, err := oci.New(host, oci.Options{Scheme: "http", PageSize: 50, RetryOptions: []httpx.RetryOption{httpx.WithSleep(noSleep)}})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]scm.State{"3571": scm.Merged, "3574": scm.Closed, "3561": scm.Open, "3565": scm.Open, "3589": scm.Open}
	for i := range 120 {
		states[fmt.Sprint(5000+i)] = scm.Merged
	}
	s := &sweep.Sweeper{
		Registry:     reg,
		Providers:    map[string]scm.Provider{"prs": static.New(states, nil)},
		Policy:       policy.Policy{Rules: []policy.Rule{{Tags: regexp.MustCompile(`^PR(?P<pr>\d+)-`), Source: "prs", Delete: []scm.State{scm.Merged, scm.Closed}}}},
		Repositories: []string{"*"},
		Concurrency:  4,
	}
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var done, failed []string
	for _, it := range res.Items {
		if it.Done {
			done = append(done, it.Ref())
		}
		if it.Failed() {
			failed = append(failed, it.Ref())
		}
	}
	slices.Sort(done)
	slices.Sort(failed)
	if want := []string{"jarvis:PR3571-test", "jarvis:PR3574-test", "jarvis:PR3574-test-arm"}; !slices.Equal(done, want) {
		t.Errorf("deleted %v, want %v", done, want)
	}
	if want := []string{"big:*", "jarvis:PR3571-test-arm"}; !slices.Equal(failed, want) {
		t.Errorf("failed %v, want %v", failed, want)
	}
	direct, _ := oci.New(backend.Host(), oci.Options{Scheme: "http"})
	if tags, err := direct.Tags(context.Background(), "big"); err != nil || len(tags) != 120 {
		t.Errorf("big after a sweep whose listing failed: %d tags, %v; want all 120 kept", len(tags), err)
	}
}

// A catalog that cannot be read is a reported failure, not a silent end.
func TestCatalogFailureIsReported(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	host := faultProxy(t, backend, func(r *http.Request) bool { return r.URL.Path == "/v2/_catalog" })
	reg, err := oci.New(host, oci.Options{Scheme: "http", RetryOptions: []httpx.RetryOption{httpx.WithSleep(noSleep)}})
	if err != nil {
		t.Fatal(err)
	}
	s := &sweep.Sweeper{Registry: reg, Repositories: []string{"*"}, Concurrency: 2}
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || !res.Items[0].Failed() || res.Items[0].Action != policy.Keep {
		t.Errorf("items %+v, want one failure saying the repositories could not be listed", res.Items)
	}
}
