package azuredevops

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
	tokenType    TokenType
	missingCheck bool // WithMissingCheck (access.go)
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

// WithTokenType says how to send the token (default Auto).
func WithTokenType(t TokenType) Option {
	return func(s *settings) error {
		if t != Auto && t != PAT && t != Bearer {
			return fmt.Errorf("setting the token type: unknown %s", t)
		}
		s.tokenType = t
		return nil
	}
}

// WithLogger sets where requests and retries are logged, at debug level
// (default: nowhere). Tokens and headers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { return s.SetLogger(l) }
}

// WithClock sets the clock that stamps Status.ReadAt (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *settings) error { return s.SetClock(now) }
}

// WithUserAgent sets the User-Agent (default "prsweep").
func WithUserAgent(ua string) Option {
	return func(s *settings) error { return s.SetUserAgent(ua) }
}

// WithAttemptTimeout bounds each attempt, body included (default
// httpx.DefaultReadTimeout, 10s: every request is a read).
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.SetAttemptTimeout(d) }
}

// WithRetry adds options to the retry layer, after the defaults (attempts,
// back-off, Retry-After cap, and for tests the sleep and random source).
func WithRetry(opts ...httpx.RetryOption) Option {
	return func(s *settings) error { s.Retry = append(s.Retry, opts...); return nil }
}

// WithLimiter shares the sweep's budget of requests in flight with the other
// adapters: its layer goes under the retries, over the attempt time-out.
func WithLimiter(l *httpx.Limiter) Option {
	return func(s *settings) error { s.Limiter = l; return nil }
}
