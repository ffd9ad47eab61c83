package ghcr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry/ghcr"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// GitHub's rate-limit answers are waited out as GitHub asks, and the listing ends
// the same; an exhausted primary limit also slows the shared limiter.
func TestRateLimitsAreWaitedOut(t *testing.T) {
	tests := []struct {
		kind registrytest.GHCRLimit
		wait time.Duration
	}{
		{registrytest.GHCRSecondary, time.Second},   // retry-after: 1
		{registrytest.GHCR429, time.Second},         // retry-after: 1
		{registrytest.GHCRPrimary, 2 * time.Second}, // until x-ratelimit-reset
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			f := newFixture(t)
			want, err := f.client(t, token).Tags(ctx, "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			lim := httpx.NewLimiter(httpx.Limits{Concurrency: 4})
			c := f.client(t, token, func(o *ghcr.Options) { o.Limiter = lim })
			f.ghcr.RateLimit(tt.kind, 2)
			got, err := c.Tags(ctx, "jarvis")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags (-unlimited +rate-limited):\n%s", diff)
			}
			waits := f.waits.Waits()
			if len(waits) != 2 || waits[0] < tt.wait-time.Second || waits[0] > tt.wait+time.Second {
				t.Errorf("waits %v; want two of about %s", waits, tt.wait)
			}
			if lim.Stats().TooMany() != 2 {
				t.Errorf("the limiter saw %d 429s; want 2", lim.Stats().TooMany())
			}
		})
	}
}

// A rate limit that lasts longer than http.maxRetryAfter is reported, not waited.
func TestLongRateLimitIsReported(t *testing.T) {
	f := newFixture(t)
	f.ghcr.RateLimit(registrytest.GHCRPrimary, 1)
	c := f.client(t, token, func(o *ghcr.Options) {
		o.RetryOptions = append(o.RetryOptions, httpx.WithMaxRetryAfter(time.Millisecond))
	})
	_, err := c.Repositories(ctx)
	if err == nil || !strings.Contains(err.Error(), "rate limited by GitHub") {
		t.Errorf("Repositories: %v, want a rate-limit error", err)
	}
}
