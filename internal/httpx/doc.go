// Package httpx holds the HTTP concerns every adapter shares, written once as
// http.RoundTripper layers: retry with exponential back-off, full jitter and
// Retry-After (NewRetry), a per-attempt timeout (NewTimeout), a default
// User-Agent (NewUserAgent), and URL redaction for logs and errors (RedactURL).
//
// A typical stack, outermost first: UserAgent → Retry → Timeout → transport, so
// that each attempt gets its own deadline and the retry layer sees it expire.
//
// This package imports only the standard library. It must not import prsweep's
// domain packages (registry, scm, config, …): it knows HTTP, not pull requests.
package httpx
