package azuredevops_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

// errAny stands for "some error, whichever": 429 and 5xx wrap no sentinel.
var errAny = errors.New("any error")

func TestState(t *testing.T) {
	closed := time.Date(2025, 5, 30, 17, 45, 12, 345678900, time.UTC)
	unknown := scm.Status{State: scm.Unknown}
	tests := []struct {
		name     string
		setup    func(f *scmtest.AzureDevOps)
		number   string // "42" when empty
		opts     []azuredevops.Option
		want     scm.Status // Error is checked for presence only
		wantErr  error
		requests int
		waits    []time.Duration
	}{
		{name: "active is open", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "active", time.Time{}) },
			want: scm.Status{State: scm.Open, ReadAt: readAt}, requests: 1},
		{name: "completed is merged", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "completed", closed) },
			want: scm.Status{State: scm.Merged, ClosedAt: closed, ReadAt: readAt}, requests: 1},
		{name: "abandoned is closed", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "abandoned", closed) },
			want: scm.Status{State: scm.Closed, ClosedAt: closed, ReadAt: readAt}, requests: 1},
		{name: "notSet is unexpected", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "notSet", time.Time{}) },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "all is unexpected", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "all", time.Time{}) },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "an undocumented word is unexpected", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "Completed", closed) },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "203 sign-in page", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "completed", closed); f.SignInPage(42, scmtest.Forever) },
			want: unknown, wantErr: scm.ErrUnauthorized, requests: 1},
		{name: "401", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "completed", closed); f.Unauthorized(42, scmtest.Forever) },
			want: unknown, wantErr: scm.ErrUnauthorized, requests: 1},
		{name: "403", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 403, "application/json", `{"message":"TF400813: not authorized"}`)
		}, want: unknown, wantErr: scm.ErrUnauthorized, requests: 1},
		{name: "404 TF401180 is missing", setup: func(*scmtest.AzureDevOps) {},
			want: scm.Status{State: scm.Missing, ReadAt: readAt}, wantErr: scm.ErrNotFound, requests: 1},
		{name: "404 TF401180 by message only", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 404, "application/json; charset=utf-8", `{"message":"TF401180: The requested pull request was not found."}`)
		}, want: scm.Status{State: scm.Missing, ReadAt: readAt}, wantErr: scm.ErrNotFound, requests: 1},
		{name: "404 wrong project is not missing", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 404, "application/json; charset=utf-8", scmtest.AzureDevOpsProjectNotFound)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "404 HTML is not missing", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 404, "text/html", "<html>TF401180 GitPullRequestNotFoundException</html>")
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "429 with Retry-After then 200", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "completed", closed)
			f.Throttle(42, 1, 7*time.Second)
		}, want: scm.Status{State: scm.Merged, ClosedAt: closed, ReadAt: readAt}, requests: 2, waits: []time.Duration{7 * time.Second}},
		{name: "429 forever", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "completed", closed)
			f.Throttle(42, scmtest.Forever, 3*time.Second)
		}, want: unknown, wantErr: errAny, requests: 5, waits: []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}},
		{name: "429 asking too long a wait", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "completed", closed)
			f.Throttle(42, scmtest.Forever, time.Hour)
		}, want: unknown, wantErr: errAny, requests: 1},
		{name: "500 twice then 200", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "abandoned", closed)
			f.ServerError(42, 500, 2)
		}, want: scm.Status{State: scm.Closed, ClosedAt: closed, ReadAt: readAt}, requests: 3, waits: []time.Duration{500 * time.Millisecond, time.Second}},
		{name: "500 forever", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "abandoned", closed)
			f.ServerError(42, 500, scmtest.Forever)
		}, want: unknown, wantErr: errAny, requests: 5, waits: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "slow answer times out", setup: func(f *scmtest.AzureDevOps) {
			f.SetPR(42, "completed", closed)
			f.Slow(42)
		}, opts: []azuredevops.Option{azuredevops.WithAttemptTimeout(20 * time.Millisecond), azuredevops.WithRetry(httpx.WithAttempts(2))},
			want: unknown, wantErr: context.DeadlineExceeded, requests: 2, waits: []time.Duration{500 * time.Millisecond}},
		{name: "200 HTML", setup: func(f *scmtest.AzureDevOps) { f.Respond(42, 1, 200, "text/html", "<html>Sign in</html>") },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 JSON but another PR", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `{"pullRequestId":43,"status":"completed"}`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 JSON without status", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `{"pullRequestId":42}`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 JSON array", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `[{"pullRequestId":42,"status":"completed"}]`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 JSON null", setup: func(f *scmtest.AzureDevOps) { f.Respond(42, 1, 200, "application/json", `null`) },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 truncated JSON", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `{"pullRequestId":42,"status":"comp`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 unreadable closedDate", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `{"pullRequestId":42,"status":"completed","closedDate":"yesterday"}`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "200 over 1 MiB", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 200, "application/json", `{"pullRequestId":42,"status":"completed","description":"`+strings.Repeat("a", 1<<20)+`"}`)
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "redirect is not followed", setup: func(f *scmtest.AzureDevOps) {
			f.Respond(42, 1, 302, "text/html", "<html>Object moved</html>")
		}, want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "400", setup: func(f *scmtest.AzureDevOps) { f.Respond(42, 1, 400, "application/json", `{"message":"VS403403: bad"}`) },
			want: unknown, wantErr: scm.ErrUnexpected, requests: 1},
		{name: "a message echoing the credential is scrubbed", setup: func(f *scmtest.AzureDevOps) {
			basic := base64.StdEncoding.EncodeToString([]byte(":" + pat))
			f.Respond(42, 1, 401, "application/json", `{"message":"TF400813: bad token `+pat+` in Basic `+basic+`"}`)
		}, want: unknown, wantErr: scm.ErrUnauthorized, requests: 1},
		{name: "a number that is not all digits", number: "42?x=1", setup: func(*scmtest.AzureDevOps) {},
			want: unknown, wantErr: scm.ErrUnexpected, requests: 0},
		{name: "a number past 32 bits", number: "4294967338", setup: func(*scmtest.AzureDevOps) {},
			want: unknown, wantErr: scm.ErrUnexpected, requests: 0},
		{name: "leading zeros name the same PR", number: "0042", setup: func(f *scmtest.AzureDevOps) { f.SetPR(42, "active", time.Time{}) },
			want: scm.Status{State: scm.Open, ReadAt: readAt}, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, pat, "", tt.opts...)
			tt.setup(h.fake)
			number := tt.number
			if number == "" {
				number = "42"
			}
			got, err := h.state(t, number)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("State: %v", err)
			case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("State error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "ado#"+number) {
				t.Errorf("error does not name the PR: %v", err)
			}
			if tt.wantErr != scm.ErrNotFound && errors.Is(err, scm.ErrNotFound) {
				t.Errorf("error claims the PR is missing: %v", err)
			}
			if (got.State == scm.Unknown) != (got.Error != "") {
				t.Errorf("Status.Error = %q with state %s", got.Error, got.State)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(scm.Status{}, "Error")); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if n := h.fake.Requests(42); n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
			if diff := cmp.Diff(tt.waits, h.sleeps.Waits()); diff != "" {
				t.Errorf("retry waits (-want +got):\n%s", diff)
			}
			errText := ""
			if err != nil {
				errText = err.Error()
			}
			assertNoSecret(t, pat, errText, got.Error, h.logs.String())
		})
	}
}

func TestStateStopsWithTheContext(t *testing.T) {
	h := newHarness(t, pat, "")
	h.fake.SetPR(42, "completed", time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := h.client.State(ctx, scm.Ref{Source: "ado", Number: "42"})
	if !errors.Is(err, context.Canceled) || got.State != scm.Unknown {
		t.Fatalf("State = %+v, %v; want unknown and context.Canceled", got, err)
	}
	if len(h.sleeps.Waits()) != 0 {
		t.Errorf("retried after the context was done: %v", h.sleeps.Waits())
	}
}
