package httpx

import (
	"context"
	"sync"
)

// initialWindow is how many requests of a class an unpaced sweep sends at once
// before any has been answered: a registry's quota, unknown yet, then answers a
// few 429s rather than one for each slot in flight.
const initialWindow = 4

// slowStart bounds the requests of one class (reads or writes) in flight while
// the class is unpaced: initialWindow at first, one more for each window's worth
// of answers other than 429, until the window reaches the sweep's concurrency (or
// 64) and the bound is lifted. A pace, once learned, lifts it too: from then on
// the pace says how fast. It is TCP's congestion avoidance, for the same reason:
// when a registry's unknown quota runs out, about a window of requests is in
// flight to meet a 429, not twice that (one more for each answer doubles the
// window every round trip).
type slowStart struct {
	mu       sync.Mutex
	window   int
	top      int // the window at which the bound is lifted
	inFlight int
	waiting  int // requests waiting to enter
	acked    int // answers other than 429 since the window last grew
	off      bool
	wake     chan struct{} // closed and replaced when a request leaves or the bound is lifted
}

func newSlowStart(concurrency int) *slowStart {
	top := concurrency
	if top <= 0 || top > 64 {
		top = 64
	}
	return &slowStart{window: initialWindow, top: top, off: top <= initialWindow, wake: make(chan struct{})}
}

// enter waits until a request may be sent, or ctx is done. It returns whether the
// request counts in flight (and must leave).
func (s *slowStart) enter(ctx context.Context) (bool, error) {
	for {
		s.mu.Lock()
		if s.off {
			s.mu.Unlock()
			return false, nil
		}
		if s.inFlight < s.window {
			s.inFlight++
			s.mu.Unlock()
			return true, nil
		}
		wake := s.wake
		s.waiting++
		s.mu.Unlock()
		var err error
		select {
		case <-wake:
		case <-ctx.Done():
			err = ctx.Err()
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		if err != nil {
			return false, err
		}
	}
}

// leave takes the answer of a request that entered: throttled means a 429.
func (s *slowStart) leave(throttled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	if !throttled {
		if s.acked++; s.acked >= s.window {
			s.window, s.acked = s.window+1, 0
		}
		s.off = s.off || s.window >= s.top
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

// lift ends the bound: the class is paced now.
func (s *slowStart) lift() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.off {
		s.off = true
		close(s.wake)
		s.wake = make(chan struct{})
	}
}
