package httpx

import (
	"cmp"
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
	return &timeout{next: next, d: func(*http.Request) time.Duration { return d }}
}

// Default per-attempt time-outs of NewTimeouts.
const (
	// DefaultReadTimeout bounds an attempt to read: a manifest, a tag or catalog
	// page, a pull request. They answer in well under a second; one that hangs
	// is better cut and retried than waited for.
	DefaultReadTimeout = 10 * time.Second
	// DefaultWriteTimeout bounds an upload or a deletion, which a registry may
	// take its time over (distribution 2.8 reads every tag to delete a manifest).
	DefaultWriteTimeout = 60 * time.Second
)

// Timeouts are per-attempt time-outs by kind of request: Read for GET, HEAD and
// token requests, Write for uploads and deletions. A zero field takes its default.
type Timeouts struct {
	Read, Write time.Duration
}

// TimeoutsOr returns Timeouts of override for every request, or the defaults
// when override is 0: what http.timeout means in the configuration.
func TimeoutsOr(override time.Duration) Timeouts {
	return Timeouts{Read: override, Write: override}
}

// NewTimeouts is NewTimeout with a time-out that fits the request (see Timeouts).
func NewTimeouts(next http.RoundTripper, t Timeouts) http.RoundTripper {
	read, write := cmp.Or(max(t.Read, 0), DefaultReadTimeout), cmp.Or(max(t.Write, 0), DefaultWriteTimeout)
	return &timeout{next: orDefault(next), d: func(req *http.Request) time.Duration {
		if isWrite(req, registryKind(req)) {
			return write
		}
		return read
	}}
}

type timeout struct {
	next http.RoundTripper
	d    func(*http.Request) time.Duration
}

func (t *timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	d := t.d(req)
	ctx, cancel := context.WithTimeout(req.Context(), d)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if req.Context().Err() == nil && ctx.Err() != nil {
			return nil, fmt.Errorf("timing out after %s: %w", d, err)
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
