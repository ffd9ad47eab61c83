package sweep_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/static"
	"github.com/prsweep/prsweep/internal/sweep"
)

// BenchmarkPlan times a dry run over 4 repositories of 150 tags each, a third of
// them from merged PRs, behind 2 ms of latency per request, at concurrency 1, 8 and
// 32. It reports requests per sweep: the cost a rate-limited registry sees.
//
//	go test ./internal/sweep -run '^$' -bench Plan -benchtime 5x
func BenchmarkPlan(b *testing.B) {
	backend := registrytest.StartV3(b)
	states := map[string]scm.State{}
	for r := range 4 {
		images := registrytest.ManyTags(fmt.Sprintf("repo%d", r), "PR", 150)
		registrytest.MustSeed(b, backend, images)
	}
	for i := range 150 {
		states[fmt.Sprint(5000+i)] = map[bool]scm.State{true: scm.Merged, false: scm.Open}[i%3 == 0]
	}
	var requests atomic.Int64
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		time.Sleep(2 * time.Millisecond) // the latency being measured against
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	reg, err := oci.New(strings.TrimPrefix(front.URL, "http://"), oci.Options{Scheme: "http"})
	if err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			s := &sweep.Sweeper{
				Registry:     reg,
				Providers:    map[string]scm.Provider{"prs": static.New(states, nil)},
				Policy:       policy.Policy{Rules: []policy.Rule{{Tags: regexp.MustCompile(`^PR(?P<pr>\d+)-`), Source: "prs", Delete: []scm.State{scm.Merged}}}},
				Repositories: []string{"*"},
				Concurrency:  conc,
			}
			requests.Store(0)
			for b.Loop() {
				if _, err := s.Run(context.Background(), true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(requests.Load())/float64(b.N), "requests/sweep")
		})
	}
}
