// Package httpxtest holds test helpers for code built on httpx's layers: a
// retry sleep that records instead of waiting, and a buffer safe for concurrent
// writers.
package httpxtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Sleeps stands in for the retry layer's sleep (httpx.WithSleep(s.Sleep)): it
// records each wait and returns at once, so tests never wait and can assert, for
// instance, that a Retry-After was honoured.
type Sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

// Sleep records d, and returns at once: with ctx's error, as a real sleep would.
func (s *Sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

// Waits returns the waits asked for so far.
func (s *Sleeps) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}
