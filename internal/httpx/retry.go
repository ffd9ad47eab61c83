package httpx

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// NewRetry returns a RoundTripper that sends a request again when the answer
// says a later attempt may succeed:
//
//   - statuses 429, 502, 503 and 504, and 500 for idempotent methods;
//   - connection errors (reset, refused, EOF, a single attempt's timeout) for
//     idempotent methods; for others only a refused connection, where the
//     request surely never reached the server.
//
// It never retries once the request's context is done, nor a request whose body
// cannot be replayed (a body without GetBody). Between attempts it waits with
// exponential back-off and full jitter, or, on 429 and 503, for as long as
// Retry-After asks (delta-seconds or HTTP-date) unless that exceeds
// WithMaxRetryAfter, in which case it returns the response as is. When the
// attempts run out, the last response or error is returned unchanged.
// Responses it discards are drained and closed. A nil next means
// http.DefaultTransport.
func NewRetry(next http.RoundTripper, opts ...RetryOption) http.RoundTripper {
	c := defaultRetryConfig()
	for _, o := range opts {
		o(&c)
	}
	return &retry{next: orDefault(next), cfg: c}
}

type retry struct {
	next http.RoundTripper
	cfg  retryConfig
}

func (r *retry) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	attemptReq := req
	for attempt := 1; ; attempt++ {
		resp, err := r.next.RoundTrip(attemptReq)
		if err == nil && req.Method == http.MethodGet {
			resp, err = buffer(resp)
		}
		if !replayable || attempt >= r.cfg.attempts || ctx.Err() != nil {
			return resp, err
		}
		wait, retryable := r.decide(req, attempt, resp, err)
		if !retryable {
			return resp, err
		}
		r.logRetry(req, attempt, resp, err, wait)
		if resp != nil {
			discard(resp)
		}
		if err := r.cfg.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting %s to retry %s %s: %w", wait, req.Method, stripQuery(req.URL), err)
		}
		if attemptReq, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// decide says whether an attempt's outcome is worth another attempt, and how
// long to wait before it.
func (r *retry) decide(req *http.Request, attempt int, resp *http.Response, err error) (time.Duration, bool) {
	if err != nil {
		if !retryableError(err, idempotent(req)) {
			return 0, false
		}
		return r.backoff(attempt), true
	}
	if !retryableStatus(resp.StatusCode, idempotent(req)) {
		return 0, false
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), r.cfg.now()); ok {
			if d > r.cfg.maxRetryAfter {
				r.cfg.log.LogAttrs(req.Context(), slog.LevelDebug, "not retrying: Retry-After exceeds the cap",
					slog.String("method", req.Method), slog.String("url", stripQuery(req.URL)),
					slog.Int("status", resp.StatusCode), slog.Duration("retryAfter", d),
					slog.Duration("cap", r.cfg.maxRetryAfter))
				return 0, false
			}
			return d, true
		}
	}
	return r.backoff(attempt), true
}

// backoff is the full-jitter wait before retry number k: uniform in
// [0, min(ceiling, base·2^(k-1))]. Doubling stops at the ceiling, so a large
// k cannot overflow.
func (r *retry) backoff(k int) time.Duration {
	top := r.cfg.base
	for i := 1; i < k && top < r.cfg.ceiling; i++ {
		top *= 2
	}
	top = min(top, r.cfg.ceiling)
	return time.Duration(r.cfg.randN(int64(top) + 1))
}

func (r *retry) logRetry(req *http.Request, attempt int, resp *http.Response, err error, wait time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", stripQuery(req.URL)),
		slog.Int("attempt", attempt),
		slog.Duration("wait", wait),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.cfg.log.LogAttrs(req.Context(), slog.LevelDebug, "retrying request", attrs...)
}

// rewind returns a copy of req with a fresh body for the next attempt.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody == nil {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("replaying body of %s %s: %w", req.Method, stripQuery(req.URL), err)
	}
	r.Body = body
	return r, nil
}

// bufferLimit is how much of a GET's body is read inside the attempt: registry and
// source answers (manifests, tag pages, pull requests) are far smaller.
const bufferLimit = 8 << 20

// buffer reads a GET's body within the attempt, so that a body cut off mid-way
// (a reset, a truncated answer) is a failed attempt that can be retried rather
// than an error the caller meets after the round trip. A body larger than
// bufferLimit is passed on as a stream after the part already read.
func buffer(resp *http.Response) (*http.Response, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, bufferLimit+1))
	if err != nil {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("reading the answer to GET %s: %w", stripQuery(resp.Request.URL), err)
	}
	if len(data) > bufferLimit {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
		return resp, nil
	}
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// discard drains a little of a response we will not return, so its connection
// can be reused, and closes it. A large body is cheaper to drop than to read.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}
