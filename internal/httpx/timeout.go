package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// NewTimeout returns a RoundTripper that gives each RoundTrip its own deadline
// of d, derived from the request's context. The deadline covers the whole
// attempt, reading the response body included, so a server that stalls mid-body
// cannot hang a sweep; closing the body releases the timer. Put it inside
// NewRetry so that an attempt that times out is retried while the caller's
// context is still live. A d <= 0 returns next unchanged; a nil next means
// http.DefaultTransport.
func NewTimeout(next http.RoundTripper, d time.Duration) http.RoundTripper {
	next = orDefault(next)
	if d <= 0 {
		return next
	}
	return &timeout{next: next, d: d}
}

type timeout struct {
	next http.RoundTripper
	d    time.Duration
}

func (t *timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.d)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if req.Context().Err() == nil && ctx.Err() != nil {
			return nil, fmt.Errorf("timing out after %s: %w", t.d, err)
		}
		return nil, err
	}
	// Cancelling now would break the caller's body read; cancel on Close instead.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
