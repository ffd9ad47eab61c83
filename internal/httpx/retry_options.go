package httpx

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Defaults of NewRetry.
const (
	DefaultAttempts      = 5
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
)

// RetryOption configures NewRetry. Options given a zero, negative or nil value
// keep the default, so a caller can pass through unset configuration.
type RetryOption func(*retryConfig)

type retryConfig struct {
	attempts      int
	base, ceiling time.Duration // back-off grows from base up to ceiling
	maxRetryAfter time.Duration
	sleep         func(ctx context.Context, d time.Duration) error
	randN         func(n int64) int64
	now           func() time.Time
	log           *slog.Logger
}

func defaultRetryConfig() retryConfig {
	return retryConfig{
		attempts:      DefaultAttempts,
		base:          DefaultBaseDelay,
		ceiling:       DefaultMaxDelay,
		maxRetryAfter: DefaultMaxRetryAfter,
		sleep:         SleepContext,
		randN:         rand.Int64N, // the top-level source is safe for concurrent use
		now:           time.Now,
		log:           slog.New(slog.DiscardHandler),
	}
}

// WithAttempts sets how many times a request is sent at most, the first one
// included (default 5). 1 disables retries.
func WithAttempts(n int) RetryOption {
	return func(c *retryConfig) {
		if n > 0 {
			c.attempts = n
		}
	}
}

// WithBackoff sets the base and the ceiling of the exponential back-off
// (defaults 500ms and 30s). Before retry k (1-based) the layer waits a random
// duration in [0, min(ceiling, base·2^(k-1))]: "full jitter".
func WithBackoff(base, ceiling time.Duration) RetryOption {
	return func(c *retryConfig) {
		if base > 0 {
			c.base = base
		}
		if ceiling > 0 {
			c.ceiling = ceiling
		}
	}
}

// WithMaxRetryAfter caps how long a server may ask us to wait with Retry-After
// (default 2 minutes). When it asks for longer, the layer gives up and returns
// that response as is: a sweep should report "throttled", not hang.
func WithMaxRetryAfter(d time.Duration) RetryOption {
	return func(c *retryConfig) {
		if d > 0 {
			c.maxRetryAfter = d
		}
	}
}

// WithSleep replaces the wait between attempts (default SleepContext). It must
// return a non-nil error, without waiting further, once ctx is done.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) RetryOption {
	return func(c *retryConfig) {
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// WithRand replaces the random source of the jitter. randN must return a value
// in [0, n), like math/rand/v2.Int64N, and be safe for concurrent use.
func WithRand(randN func(n int64) int64) RetryOption {
	return func(c *retryConfig) {
		if randN != nil {
			c.randN = randN
		}
	}
}

// WithClock replaces time.Now, used to turn a Retry-After HTTP-date into a wait.
func WithClock(now func() time.Time) RetryOption {
	return func(c *retryConfig) {
		if now != nil {
			c.now = now
		}
	}
}

// WithLogger sets where each retry is logged, at debug level (default: nowhere).
func WithLogger(log *slog.Logger) RetryOption {
	return func(c *retryConfig) {
		if log != nil {
			c.log = log
		}
	}
}

// SleepContext waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the latter case. It is NewRetry's default sleep.
func SleepContext(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
