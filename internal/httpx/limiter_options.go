package httpx

import (
	"context"
	"log/slog"
	"maps"
	"time"
)

// Defaults of NewLimiter.
const (
	// DefaultQuietPeriod is how long the pace must meet no 429 before it grows:
	// registries count their quotas per minute, so about half of one.
	DefaultQuietPeriod = 30 * time.Second
	// DefaultRateWindow is how far back the rate sent is measured, to start
	// pacing at half of it when a registry with no configured rate answers 429.
	DefaultRateWindow = 10 * time.Second
)

// LimiterOption configures NewLimiter. Options given a zero, negative or nil
// value keep the default.
type LimiterOption func(*paceConfig)

type paceConfig struct {
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	quiet   time.Duration
	window  time.Duration
	maxHold time.Duration
	log     *slog.Logger
}

func defaultPaceConfig() *paceConfig {
	return &paceConfig{
		now:     time.Now,
		sleep:   SleepContext,
		quiet:   DefaultQuietPeriod,
		window:  DefaultRateWindow,
		maxHold: DefaultMaxRetryAfter,
		log:     slog.New(slog.DiscardHandler),
	}
}

// WithLimiterClock replaces the clock the pace reads and waits on (defaults
// time.Now and SleepContext). sleep must return ctx's error, without waiting
// further, once ctx is done.
func WithLimiterClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) LimiterOption {
	return func(c *paceConfig) {
		if now != nil {
			c.now = now
		}
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// WithRetryTiming makes the pace read the clock and wait with the sleep that
// these retry options give the retry layer (WithClock, WithSleep), so that a test
// that makes the retries wait for nothing makes the pace wait for nothing too.
func WithRetryTiming(opts ...RetryOption) LimiterOption {
	rc := defaultRetryConfig()
	for _, o := range opts {
		o(&rc)
	}
	return WithLimiterClock(rc.now, rc.sleep)
}

// WithQuietPeriod sets how long the pace must meet no 429 before it grows again
// (default DefaultQuietPeriod).
func WithQuietPeriod(d time.Duration) LimiterOption {
	return func(c *paceConfig) {
		if d > 0 {
			c.quiet = d
		}
	}
}

// WithRateWindow sets how far back the rate sent is measured (default
// DefaultRateWindow).
func WithRateWindow(d time.Duration) LimiterOption {
	return func(c *paceConfig) {
		if d > 0 {
			c.window = d
		}
	}
}

// WithMaxHold caps how long a 429's Retry-After stops every request of its class
// (default DefaultMaxRetryAfter, the retry layer's own cap).
func WithMaxHold(d time.Duration) LimiterOption {
	return func(c *paceConfig) {
		if d > 0 {
			c.maxHold = d
		}
	}
}

// WithLimiterLogger sets where a change of pace is logged, at info level
// (default: nowhere).
func WithLimiterLogger(log *slog.Logger) LimiterOption {
	return func(c *paceConfig) {
		if log != nil {
			c.log = log
		}
	}
}

// Stats are a Limiter's counters.
type Stats struct {
	Requests  map[Key]int64 // requests sent (each attempt), by method and kind
	Throttled map[Key]int64 // of them, those answered 429
	// PeakInFlight is the most requests that were in flight at once.
	PeakInFlight int
	// ReadsPerMinute and WritesPerMinute are the registry's pace now; 0: unpaced.
	ReadsPerMinute, WritesPerMinute float64
}

// Stats returns a copy of the counters. A nil l has none.
func (l *Limiter) Stats() Stats {
	if l == nil {
		return Stats{Requests: map[Key]int64{}, Throttled: map[Key]int64{}}
	}
	l.mu.Lock()
	s := Stats{Requests: maps.Clone(l.requests), Throttled: maps.Clone(l.throttled), PeakInFlight: l.peak}
	l.mu.Unlock()
	s.ReadsPerMinute, s.WritesPerMinute = l.reads.perMinute(), l.writes.perMinute()
	return s
}

// Total is the number of requests sent, source requests included.
func (s Stats) Total() int64 { return sum(s.Requests, func(Key) bool { return true }) }

// Registry is the number of requests sent to the registry: all but KindSource
// (token requests, to the registry's token server or Entra ID, included).
func (s Stats) Registry() int64 {
	return sum(s.Requests, func(k Key) bool { return k.Kind != KindSource })
}

// TooMany is the number of 429 answers.
func (s Stats) TooMany() int64 { return sum(s.Throttled, func(Key) bool { return true }) }

func sum(m map[Key]int64, keep func(Key) bool) int64 {
	var n int64
	for k, v := range m {
		if keep(k) {
			n += v
		}
	}
	return n
}
