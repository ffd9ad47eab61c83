package cli

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const adoToken = "pat-7q2hx3vkz5sw4m9c2r8e6tnb1y0plhd4u5gfa3j7okeqz2xw1vc6" // fake, 52 chars like a PAT

func adoConfig(registryHost, adoURL, deleteStates string) string {
	return fmt.Sprintf(`registry:
  url: http://%s
sources:
  - name: ado
    type: azuredevops
    url: %s
    project: Jarvis
    token: ${SYSTEM_ACCESSTOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: ado
    delete: %s
`, registryHost, adoURL, deleteStates)
}

// Every documented Azure DevOps answer maps to a state, and the state to the fate of
// the PR's tags and the exit code.
func TestAzureDevOpsAnswers(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *scmtest.AzureDevOps)
		delete    string
		state     scm.State
		deleted   bool
		exit      int
		wantSleep time.Duration
	}{
		{name: "completed", state: scm.Merged, deleted: true, exit: 0},
		{name: "abandoned", setup: func(f *scmtest.AzureDevOps) { f.SetPR(3571, "abandoned", time.Time{}) }, state: scm.Closed, deleted: true, exit: 0},
		{name: "active", setup: func(f *scmtest.AzureDevOps) { f.SetPR(3571, "active", time.Time{}) }, state: scm.Open, exit: 0},
		{name: "notSet", setup: func(f *scmtest.AzureDevOps) { f.SetPR(3571, "notSet", time.Time{}) }, state: scm.Unknown, exit: 1},
		{name: "203 sign-in page", setup: func(f *scmtest.AzureDevOps) { f.SignInPage(3571, scmtest.Forever) }, state: scm.Unknown, exit: 1},
		{name: "401", setup: func(f *scmtest.AzureDevOps) { f.Unauthorized(3571, scmtest.Forever) }, state: scm.Unknown, exit: 1},
		{name: "404 TF401180", setup: func(f *scmtest.AzureDevOps) { f.NotFound(3571, scmtest.Forever) }, state: scm.Missing, exit: 0},
		{name: "404 TF401180, missing listed", setup: func(f *scmtest.AzureDevOps) { f.NotFound(3571, scmtest.Forever) },
			delete: "[merged, closed, missing]", state: scm.Missing, deleted: true, exit: 0},
		{name: "404 of a wrong project", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(3571, scmtest.Forever, http.StatusNotFound, "text/html", "<html>The resource cannot be found.</html>")
		}, state: scm.Unknown, exit: 1},
		{name: "200 HTML", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(3571, scmtest.Forever, http.StatusOK, "text/html", "<html>hello</html>")
		}, state: scm.Unknown, exit: 1},
		{name: "429 with Retry-After, then completed", setup: func(f *scmtest.AzureDevOps) { f.Throttle(3571, 1, 7*time.Second) },
			state: scm.Merged, deleted: true, exit: 0, wantSleep: 7 * time.Second},
		{name: "429 forever", setup: func(f *scmtest.AzureDevOps) { f.Throttle(3571, scmtest.Forever, time.Second) }, state: scm.Unknown, exit: 1},
		{name: "503 twice, then completed", setup: func(f *scmtest.AzureDevOps) { f.ServerError(3571, http.StatusServiceUnavailable, 2) },
			state: scm.Merged, deleted: true, exit: 0},
		{name: "500 forever", setup: func(f *scmtest.AzureDevOps) { f.ServerError(3571, http.StatusInternalServerError, scmtest.Forever) }, state: scm.Unknown, exit: 1},
		{name: "slow answer", setup: func(f *scmtest.AzureDevOps) { f.Slow(3571) }, state: scm.Unknown, exit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", adoToken)
			ado.SetPR(3571, "completed", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
			ado.SetPR(3574, "abandoned", time.Time{})
			for _, id := range []int{3561, 3565, 3589} {
				ado.SetPR(id, "active", time.Time{})
			}
			if tt.setup != nil {
				tt.setup(ado)
			}
			var slept httpxtest.Sleeps
			opts := sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(slept.Sleep)}, AttemptTimeout: 200 * time.Millisecond}
			cfg := writeConfig(t, adoConfig(srv.Host(), ado.URL(), cmp.Or(tt.delete, "[merged, closed]")))
			r := invoke(t, map[string]string{"SYSTEM_ACCESSTOKEN": adoToken}, opts,
				"run", "--config", cfg, "--output", "json", "--log-level", "debug")

			if r.code != tt.exit {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tt.exit, r.stderr)
			}
			items, _ := jsonReport(t, r)
			for _, tag := range []string{"jarvis:PR3571-test", "jarvis:PR3571-test-arm"} {
				it := items[tag]
				if it.State != tt.state {
					t.Errorf("%s state %q, want %q", tag, it.State, tt.state)
				}
				if deleted := it.Action == policy.Delete && it.Done; deleted != tt.deleted {
					t.Errorf("%s deleted = %v, want %v (%+v)", tag, deleted, tt.deleted, it)
				}
				if (tt.exit == 1) != it.Failed() {
					t.Errorf("%s failed = %v (error %q), want %v", tag, it.Failed(), it.Error, tt.exit == 1)
				}
			}
			if got := items["jarvis:PR3574-test"]; !got.Done || items["jarvis:5.32.0-develop"].Action != policy.Keep {
				t.Errorf("PR3574-test %+v, 5.32.0-develop %+v", got, items["jarvis:5.32.0-develop"])
			}
			if tt.wantSleep > 0 && !slices.Contains(slept.Waits(), tt.wantSleep) {
				t.Errorf("retry waits %v, want one of %v (Retry-After)", slept.Waits(), tt.wantSleep)
			}
			if tt.setup == nil && ado.Requests(3571) != 1 {
				t.Errorf("PR 3571 was asked %d times, want once for both of its tags", ado.Requests(3571))
			}
			if strings.Contains(r.stdout+r.stderr, adoToken) {
				t.Errorf("the token appears in the output")
			}
		})
	}
}
