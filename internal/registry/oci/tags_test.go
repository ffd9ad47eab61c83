package oci

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// registries starts each registry kind the client must work with.
var registries = map[string]func(testing.TB, ...registrytest.Option) *registrytest.Server{
	"v3": registrytest.StartV3, "2.8": registrytest.StartDistribution28,
}

// A listing whose Link goes round fails, on both registries and for both ways of
// going round, instead of listing forever: nothing in the repository is deleted.
func TestCyclingLinks(t *testing.T) {
	for _, kind := range []string{"v3", "2.8"} {
		s := registries[kind](t)
		registrytest.MustSeed(t, s, registrytest.ClassicSet())
		for _, tc := range []struct {
			newURLs bool
			want    string
		}{{false, "goes back to a page already read"}, {true, "nothing new"}} {
			t.Run(fmt.Sprintf("%s/new URLs %v", kind, tc.newURLs), func(t *testing.T) {
				// A deadline, so that a listing without the guard fails instead of hanging.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c, cnt := countingClient(t, registrytest.StartCyclingLinks(t, s, tc.newURLs), Options{})
				tags, err := c.Tags(ctx, "jarvis")
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("listing tags through cycling links: %d tags, %v; want an error saying it %s", len(tags), err, tc.want)
				}
				if n := cnt.n("GET tags"); n > 2 {
					t.Errorf("read %d pages before giving up, want 2", n)
				}
				repos, err := c.Repositories(ctx)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("listing the catalog through cycling links: %v, %v", repos, err)
				}
			})
		}
	}
}

// A registry that refuses a large n (distribution v3.1.0 answers 400 above
// tags.maxtags) is asked again with a smaller one, which the client then keeps.
func TestTagPageSize(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ManyTags("big", "PR", 25))
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var asked []int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/tags/list") {
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			mu.Lock()
			asked = append(asked, n)
			mu.Unlock()
			if n > 1000 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"invalid number of results requested","detail":{"n":%d}}]}`, n)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := New(strings.TrimPrefix(front.URL, "http://"), Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if tags, err := c.Tags(context.Background(), "big"); err != nil || len(tags) != 25 {
			t.Fatalf("listing: %d tags, %v", len(tags), err)
		}
	}
	if want := []int{10000, 1000, 1000}; !slices.Equal(asked, want) {
		t.Errorf("page sizes asked %v, want %v (the largest first, then the one accepted, kept)", asked, want)
	}
}
