package gitlab

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
)

// TokenType says which header carries the token.
type TokenType string

const (
	// PrivateToken is a personal, project or group access token (read_api or
	// api scope), sent in PRIVATE-TOKEN. The default.
	PrivateToken TokenType = "private"
	// JobToken is a CI/CD job's CI_JOB_TOKEN, sent in JOB-TOKEN. GitLab accepts it
	// on the merge requests API only where its job-token documentation lists GET
	// /projects/:id/merge_requests[/:iid]; elsewhere (older versions, GET
	// /projects/:id) it ignores the token and answers as to an anonymous caller.
	JobToken TokenType = "job"
)

// Option configures New.
type Option func(*settings) error

// settings embeds the HTTP settings every source adapter shares (httpx.ClientStack).
type settings struct {
	httpx.ClientStack
	tokenType TokenType
	project   string
}

// WithProject sets the project (full path group/sub/app, or numeric id) of a
// pull request whose Ref.Repo is empty.
func WithProject(p string) Option {
	return func(s *settings) error {
		p = strings.TrimSpace(p)
		if p != "" {
			if _, err := projectID(p); err != nil {
				return fmt.Errorf("setting the default project: %w", err)
			}
		}
		s.project = p
		return nil
	}
}

// WithTokenType says how to send the token (default PrivateToken).
func WithTokenType(t TokenType) Option {
	return func(s *settings) error {
		if t != PrivateToken && t != JobToken {
			return fmt.Errorf("setting the token type: unknown %q", t)
		}
		s.tokenType = t
		return nil
	}
}

// WithHTTPClient sets the client requests go through. Its Transport (or
// http.DefaultTransport) becomes the bottom of the stack; redirects are never
// followed.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error { return s.SetHTTPClient(c) }
}

// WithTransport sets the transport under the retry, rate-limit, limiter and
// time-out layers (default: the HTTP client's, else http.DefaultTransport).
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error { return s.SetTransport(rt) }
}

// WithLogger sets where reads and retries are logged, at debug level (default:
// nowhere). Tokens and headers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { return s.SetLogger(l) }
}

// WithClock sets the clock that stamps Status.ReadAt and reads RateLimit-Reset
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *settings) error { return s.SetClock(now) }
}

// WithUserAgent sets the User-Agent (default "prsweep").
func WithUserAgent(ua string) Option {
	return func(s *settings) error { return s.SetUserAgent(ua) }
}

// WithAttemptTimeout bounds each attempt, body included (default
// httpx.DefaultReadTimeout: every request is a read).
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.SetAttemptTimeout(d) }
}

// WithRetry adds options to the retry layer, after the defaults.
func WithRetry(opts ...httpx.RetryOption) Option {
	return func(s *settings) error { s.Retry = append(s.Retry, opts...); return nil }
}

// WithLimiter shares the sweep's budget of requests in flight with the other
// adapters: its layer goes under the retries, over the attempt time-out.
func WithLimiter(l *httpx.Limiter) Option {
	return func(s *settings) error { s.Limiter = l; return nil }
}
