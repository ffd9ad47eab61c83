package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// ClientStack is what a source adapter's With* options say about its HTTP
// client; Build turns it into the *http.Client, with the layers in the one order
// (doc.go). Adapters embed it in their settings, so every adapter validates and
// stacks the same way; what only one adapter has (auth, batch sizes) stays there.
type ClientStack struct {
	Client         *http.Client      // copied by Build; nil: a zero http.Client
	Transport      http.RoundTripper // the bottom; nil: Client's, else http.DefaultTransport
	Log            *slog.Logger      // requests and retries, at debug level
	Now            func() time.Time  // the adapter's clock (Build gives it to no layer itself)
	UserAgent      string
	AttemptTimeout time.Duration // 0: the per-kind defaults (TimeoutsOr)
	Retry          []RetryOption // after the defaults
	Limiter        *Limiter      // the sweep's budget; nil: none
}

// NewClientStack returns the defaults: no logging, time.Now, User-Agent "prsweep".
func NewClientStack() ClientStack {
	return ClientStack{Log: slog.New(slog.DiscardHandler), Now: time.Now, UserAgent: "prsweep"}
}

// SetHTTPClient sets the client Build copies; its Transport is the bottom of the
// stack unless SetTransport says otherwise, and its CheckRedirect is replaced.
func (s *ClientStack) SetHTTPClient(c *http.Client) error {
	if c == nil {
		return errors.New("setting the HTTP client: nil client")
	}
	s.Client = c
	return nil
}

// SetTransport sets the transport under all the layers.
func (s *ClientStack) SetTransport(rt http.RoundTripper) error {
	if rt == nil {
		return errors.New("setting the transport: nil transport")
	}
	s.Transport = rt
	return nil
}

// SetLogger sets where requests and retries are logged.
func (s *ClientStack) SetLogger(l *slog.Logger) error {
	if l == nil {
		return errors.New("setting the logger: nil logger")
	}
	s.Log = l
	return nil
}

// SetClock sets the adapter's clock.
func (s *ClientStack) SetClock(now func() time.Time) error {
	if now == nil {
		return errors.New("setting the clock: nil func")
	}
	s.Now = now
	return nil
}

// SetUserAgent sets the User-Agent.
func (s *ClientStack) SetUserAgent(ua string) error {
	if ua == "" {
		return errors.New("setting the user agent: empty")
	}
	s.UserAgent = ua
	return nil
}

// SetAttemptTimeout bounds each attempt, body included.
func (s *ClientStack) SetAttemptTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("setting the attempt timeout: %s is not positive", d)
	}
	s.AttemptTimeout = d
	return nil
}

// Build returns a copy of Client that never follows a redirect, whose Transport
// is, outermost first:
//
//	UserAgent → Retry → over → Limiter.Source → under → Timeouts → Transport
//
// over and under are the adapter's own layers (nil: none): over sees every
// attempt but holds no slot of the Limiter; under runs within a slot, outside an
// attempt's time-out. The retry layer gets WithLogger(Log), then retry, then Retry.
func (s *ClientStack) Build(over, under func(http.RoundTripper) http.RoundTripper, retry ...RetryOption) *http.Client {
	hc := &http.Client{}
	if s.Client != nil {
		c := *s.Client
		hc = &c
	}
	bottom := s.Transport
	if bottom == nil {
		bottom = hc.Transport // nil means http.DefaultTransport to the layers
	}
	var rt http.RoundTripper = NewTimeouts(bottom, TimeoutsOr(s.AttemptTimeout))
	if under != nil {
		rt = under(rt)
	}
	rt = s.Limiter.Source(rt)
	if over != nil {
		rt = over(rt)
	}
	opts := append(append([]RetryOption{WithLogger(s.Log)}, retry...), s.Retry...)
	hc.Transport = NewUserAgent(NewRetry(rt, opts...), s.UserAgent)
	// A redirect from these APIs is never the answer (a moved instance or a renamed
	// repository, a sign-in page); following it could carry the token to another host.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}
