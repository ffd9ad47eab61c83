package sweep_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// A saved plan is applied under the minAge of now, as a sweep would: a plan made
// when the rule had no minAge (or by an older binary, or edited by hand), applied
// after minAge: 1d was set, keeps the image 2 hours old and the one whose age is
// unknown, saying why, and still deletes the one 3 days old. Before, apply checked
// no age and deleted all three.
func TestApplyChecksTheMinAgeOfNow(t *testing.T) {
	now := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	// Planned with no minAge, all three go; with minAge: 1h, the undated one stays.
	for before, planned := range map[string]int{"": 3, "    minAge: 1h\n": 2} {
		t.Run("before"+strings.TrimSpace(before), func(t *testing.T) {
			srv := registrytest.StartV3(t)
			pushCreated(t, srv.Host(), "PR1-old", now.Add(-72*time.Hour))
			pushCreated(t, srv.Host(), "PR2-young", now.Add(-2*time.Hour))
			pushCreated(t, srv.Host(), "PR3-undated", time.Time{})
			var buf bytes.Buffer
			res, err := ageSweeper(t, srv.Host(), now, before).WritePlan(context.Background(), &buf)
			if err != nil {
				t.Fatal(err)
			}
			if n := plan.Deletions(res.Items); n != planned {
				t.Fatalf("the plan deletes %d tags, want %d: %+v", n, planned, res.Items)
			}
			fr, err := plan.NewFileReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			saved, err := ageSweeper(t, srv.Host(), now, "    minAge: 1d\n").ReadPlan(context.Background(), fr)
			if err != nil {
				t.Fatal(err)
			}
			defer saved.Close()
			res, err = saved.Apply(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"api:PR1-old": "", "api:PR2-young": "2h0m0s old, younger than the minimum age 24h0m0s",
				"api:PR3-undated": "age is unknown"}
			for _, it := range res.Items {
				why, ok := want[it.Ref()]
				switch {
				case !ok:
					t.Errorf("unexpected %s", it.Ref())
				case why == "" && (it.Action != policy.Delete || !it.Done):
					t.Errorf("%s: %+v, want deleted", it.Ref(), it)
				case why != "" && (it.Action != policy.Keep || it.Done || !strings.Contains(it.Reason, why)):
					t.Errorf("%s: %+v, want kept because %q", it.Ref(), it, why)
				}
			}
			left := remaining(t, srv.Host())
			for _, tag := range []string{"api:PR2-young", "api:PR3-undated"} {
				if !slices.Contains(left, tag) {
					t.Errorf("%s, younger than the minAge of now or of unknown age, was deleted: left %v", tag, left)
				}
			}
		})
	}
}

// An image whose age cannot be read now is kept with the error, as a sweep keeps
// it, and not deleted: here the registry stops serving the images' configs
// between the plan and apply.
func TestApplyKeepsWhatItCannotAge(t *testing.T) {
	now := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	srv := registrytest.StartV3(t)
	pushCreated(t, srv.Host(), "PR1-old", now.Add(-72*time.Hour))
	var buf bytes.Buffer
	if _, err := ageSweeper(t, srv.Host(), now, "").WritePlan(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"no"}]}`, http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	fr, err := plan.NewFileReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := ageSweeper(t, strings.TrimPrefix(proxy.URL, "http://"), now, "    minAge: 1d\n").ReadPlan(context.Background(), fr)
	if err != nil {
		t.Fatal(err)
	}
	defer saved.Close()
	res, err := saved.Apply(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 {
		t.Fatalf("items %+v, want PR1-old alone", res.Items)
	}
	if it := res.Items[0]; it.Action != policy.Keep || it.Done || !strings.Contains(it.Error, "reading the image's creation time") {
		t.Errorf("%s: %+v, want kept with the error reading its age", it.Ref(), it)
	}
	if left := remaining(t, srv.Host()); !slices.Contains(left, "api:PR1-old") {
		t.Errorf("PR1-old, whose age could not be read, was deleted: left %v", left)
	}
}

// ageSweeper sweeps the repository api of host with one rule, of the given
// minAge line (or none), at now.
func ageSweeper(t *testing.T, host string, now time.Time, minAge string) *sweep.Sweeper {
	t.Helper()
	yaml := `registry:
  url: http://` + host + `
sources:
  - name: prs
    type: static
    states: {"1": merged, "2": merged, "3": merged}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
` + minAge
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.New(cfg, sweep.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
