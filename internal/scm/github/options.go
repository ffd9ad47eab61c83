package github

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
)

// Option configures New.
type Option func(*settings) error

// settings embeds the HTTP settings every source adapter shares (httpx.ClientStack).
type settings struct {
	httpx.ClientStack
	batchSize int // WithBatchSize
}

// WithHTTPClient sets the client requests go through. Its Transport (or
// http.DefaultTransport) becomes the bottom of the stack; the retry, timeout
// and user-agent layers still wrap it, and redirects are never followed.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error { return s.SetHTTPClient(c) }
}

// WithTransport sets the transport under the retry, timeout and user-agent
// layers (default: the HTTP client's, else http.DefaultTransport).
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error { return s.SetTransport(rt) }
}

// WithLogger sets where requests and retries are logged, at debug level
// (default: nowhere). Tokens and headers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { return s.SetLogger(l) }
}

// WithClock sets the clock that stamps Status.ReadAt, dates the app's JWT and
// times the installation token and the rate-limit holds (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *settings) error { return s.SetClock(now) }
}

// WithUserAgent sets the User-Agent (default "prsweep").
func WithUserAgent(ua string) Option {
	return func(s *settings) error { return s.SetUserAgent(ua) }
}

// WithAttemptTimeout bounds each attempt, body included (default
// httpx's: 10s for GETs, 60s for the GraphQL and token POSTs).
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.SetAttemptTimeout(d) }
}

// WithRetry adds options to the retry layer, after the defaults (attempts,
// back-off, Retry-After cap, and for tests the sleep and random source). The
// rate-limit hold waits with the same sleep and gives up beyond the same cap.
func WithRetry(opts ...httpx.RetryOption) Option {
	return func(s *settings) error { s.Retry = append(s.Retry, opts...); return nil }
}

// WithLimiter shares the sweep's budget of requests in flight with the other
// adapters: its layer goes under the retries, over the attempt time-out.
func WithLimiter(l *httpx.Limiter) Option {
	return func(s *settings) error { s.Limiter = l; return nil }
}

// WithBatchSize sets how many pull requests one GraphQL query asks for (default
// and most 100).
func WithBatchSize(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > maxBatch {
			return fmt.Errorf("setting the batch size: %d is not between 1 and %d", n, maxBatch)
		}
		s.batchSize = n
		return nil
	}
}
