package acr_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// ACR answers 429 when a SKU's operations per minute run out, with or without
// Retry-After. Every call gets through; a Retry-After is waited for exactly.
func TestThrottling(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter []string
		wantWait   time.Duration // one of the waits; 0: back-off only
	}{
		{"with Retry-After", []string{"7", "7", "7"}, 7 * time.Second},
		{"without Retry-After", []string{"", "", "", "", ""}, 0},
		{"nine times in a row", []string{"1", "", "2", "", "3", "", "4", "", "5"}, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			var s httpxtest.Sleeps
			c := f.client(t, f.spCredentials(), &s)
			f.acr.Throttle(tt.retryAfter...)
			tags, err := c.Tags(ctx, "jarvis")
			if err != nil || len(tags) != 12 {
				t.Fatalf("listing while throttled: %d tags, %v", len(tags), err)
			}
			m, err := c.Resolve(ctx, "jarvis", "PR3571-test")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "jarvis", "PR3571-test", m, registry.MethodUntag); err != nil {
				t.Fatal(err)
			}
			if got := f.acr.Throttled(); got != len(tt.retryAfter) {
				t.Errorf("%d requests throttled, want %d", got, len(tt.retryAfter))
			}
			waits := s.Waits()
			if len(waits) != len(tt.retryAfter) {
				t.Errorf("waited %d times (%v), want once per 429", len(waits), waits)
			}
			if tt.wantWait > 0 && !slices.Contains(waits, tt.wantWait) {
				t.Errorf("waits %v, want %v among them (Retry-After)", waits, tt.wantWait)
			}
		})
	}
}

// The SDK keeps an ACR access token until the registry refuses it; then it gets a
// new one with its refresh token, and a new refresh token when that one has expired.
func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name          string
		skew          time.Duration // the fake's clock runs this far behind
		wantExchanges bool          // a new refresh token is needed for the second listing
	}{
		{"access token expired", 0, false},
		// The refresh token's exp (3 h after the fake's now) is an hour ago for the
		// SDK, which caches by it: every new access token needs a new refresh token.
		{"refresh token expired too", 4 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, registrytest.WithACRClock(func() time.Time { return time.Now().Add(-tt.skew) }))
			c := f.client(t, f.spCredentials(), nil)
			if _, err := c.Tags(ctx, "jarvis"); err != nil {
				t.Fatal(err)
			}
			tokens, exchanges := f.acr.Count("POST /oauth2/token"), f.acr.Count("POST /oauth2/exchange")
			f.acr.ExpireAccessTokens()
			if tags, err := c.Tags(ctx, "jarvis"); err != nil || len(tags) != 12 {
				t.Fatalf("listing with an expired access token: %d tags, %v", len(tags), err)
			}
			if f.acr.Count("POST /oauth2/token") <= tokens {
				t.Errorf("no new access token was asked for")
			}
			if got := f.acr.Count("POST /oauth2/exchange") > exchanges; got != tt.wantExchanges {
				t.Errorf("a new refresh token was asked for: %v, want %v", got, tt.wantExchanges)
			}
		})
	}
}
