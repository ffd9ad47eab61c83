// Package httpxtest holds test helpers for code built on httpx's layers.
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

// Sleep records d.
func (s *Sleeps) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

// Waits returns the waits asked for so far.
func (s *Sleeps) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}
