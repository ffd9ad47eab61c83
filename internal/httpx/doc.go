// Package httpx holds the HTTP concerns every adapter shares, written once as
// http.RoundTripper layers: retry with exponential back-off, full jitter and
// Retry-After (NewRetry), the sweep's shared request budget (Limiter: requests
// in flight, the registry's pace, counters), a per-attempt time-out that fits
// the request (NewTimeouts), a default User-Agent (NewUserAgent), the --debug
// dump (NewDump), the base transport (NewBaseTransport), and URL redaction for
// logs and errors (RedactURL) with the checks of an API's base URL (ParseBaseURL).
//
// A typical stack, outermost first:
//
//	UserAgent → Retry → Limiter → Timeouts → Dump → base transport
//
// so that a request waiting to be retried holds no slot of the Limiter, time
// spent waiting for a slot or the pace is not part of an attempt's time-out,
// and each attempt gets its own deadline, which the retry layer sees expire.
// ClientStack holds the source adapters' HTTP settings and builds their client
// in this order, with room for an adapter's own layers.
//
// This package imports the standard library and golang.org/x/time/rate only.
// It must not import prsweep's domain packages (registry, scm, config, …): it
// knows HTTP, not pull requests.
package httpx
