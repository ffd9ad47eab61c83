package faulttest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Kind is one kind of fault the proxy injects.
type Kind string

// The faults, in the order the proxy considers them.
const (
	// ServerError answers 500, 502 or 503 without forwarding.
	ServerError Kind = "5xx"
	// Throttle answers 429 with Retry-After (1s, 7s, or 300s: over the retry
	// layer's cap, so the client gives up) without forwarding.
	Throttle Kind = "429+retry-after"
	// ThrottleBare answers 429 without Retry-After.
	ThrottleBare Kind = "429"
	// Reset closes the connection (FIN) or resets it (RST) before forwarding.
	Reset Kind = "reset"
	// Timeout holds the request, never forwarded, until the client gives up.
	Timeout Kind = "timeout"
	// Slow forwards the request and holds the answer until another request of the
	// proxy has been answered (or none is left in flight): a gate, not a sleep.
	Slow Kind = "slow"
	// Truncated (GET) forwards, then sends the full Content-Length and part of
	// the body, and closes the connection.
	Truncated Kind = "truncated"
	// Malformed (GET) forwards, then answers with the upstream's status and
	// content type and a body that is not a valid answer (broken or wrong JSON).
	Malformed Kind = "malformed"
	// PageFailure (GET …/tags/list with last=, a page after the first) answers
	// 500 on every attempt: the listing can never complete.
	PageFailure Kind = "page"
	// AfterForward (DELETE) forwards — the upstream deletes — then answers 500
	// (40%), closes or resets the connection (40%), or holds until the client
	// gives up (20%).
	AfterForward Kind = "after-forward"
	// AfterForwardSticky (DELETE) does what AfterForward does on every attempt
	// for the same target: the client never learns that the deletion happened.
	AfterForwardSticky Kind = "after-forward-sticky"
	// NotFound (HEAD, GET, DELETE of a registry manifest or blob) answers 404
	// MANIFEST_UNKNOWN or BLOB_UNKNOWN without forwarding, although the thing
	// exists: a 404 is no proof that a tag is gone. Listings are spared, as a
	// repository the catalog names cannot be told from one deleted meanwhile.
	NotFound Kind = "404"
	// AfterForward404 (DELETE of a registry manifest) forwards — the upstream
	// deletes, or fails — then answers 404 MANIFEST_UNKNOWN whatever happened.
	AfterForward404 Kind = "after-forward-404"
)

// Kinds lists every kind in the order the proxy considers them.
func Kinds() []Kind {
	return []Kind{ServerError, Throttle, ThrottleBare, Reset, Timeout, Slow, Truncated, Malformed,
		PageFailure, AfterForward, AfterForwardSticky, NotFound, AfterForward404}
}

// sticky kinds are drawn once per method and target, not once per attempt.
func (k Kind) sticky() bool { return k == PageFailure || k == AfterForwardSticky }

// forwards reports whether the upstream sees the request.
func (k Kind) forwards() bool {
	switch k {
	case Slow, Truncated, Malformed, AfterForward, AfterForwardSticky, AfterForward404:
		return true
	}
	return false
}

// applies reports whether the kind can hit this request.
func (k Kind) applies(r *http.Request) bool {
	switch k {
	case Truncated, Malformed:
		return r.Method == http.MethodGet
	case PageFailure:
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/tags/list") && r.URL.Query().Has("last")
	case AfterForward, AfterForwardSticky:
		return r.Method == http.MethodDelete
	case NotFound:
		return (r.Method == http.MethodHead || r.Method == http.MethodGet || r.Method == http.MethodDelete) &&
			registryObject.MatchString(r.URL.Path)
	case AfterForward404:
		return r.Method == http.MethodDelete && registryObject.MatchString(r.URL.Path)
	}
	return true
}

// registryObject matches the path of a registry manifest or blob.
var registryObject = regexp.MustCompile(`^/v2/.+/(manifests|blobs)/[^/]+$`)

// Rates are the chances, each in [0, 1], that a request the kind applies to
// gets that fault. A request gets at most one fault; sticky kinds are drawn
// first, once per target.
type Rates map[Kind]float64

// DefaultRates are the rates of a medium-intensity run: about one request in
// ten of a sweep gets a fault.
func DefaultRates() Rates {
	return Rates{
		ServerError: 0.03, Throttle: 0.01, ThrottleBare: 0.01, Reset: 0.02, Timeout: 0.005, Slow: 0.03,
		Truncated: 0.01, Malformed: 0.01, PageFailure: 0.05, AfterForward: 0.10, AfterForwardSticky: 0.03,
		NotFound: 0.02, AfterForward404: 0.05,
	}
}

// Scale returns the rates multiplied by f, each capped at 1.
func (r Rates) Scale(f float64) Rates {
	out := Rates{}
	for k, v := range r {
		out[k] = min(v*f, 1)
	}
	return out
}

// Without returns the rates with the given kinds at zero.
func (r Rates) Without(kinds ...Kind) Rates {
	out := Rates{}
	for k, v := range r {
		if !slices.Contains(kinds, k) {
			out[k] = v
		}
	}
	return out
}

// Only returns the rates with every kind but the given ones at zero.
func (r Rates) Only(kinds ...Kind) Rates {
	out := Rates{}
	for _, k := range kinds {
		out[k] = r[k]
	}
	return out
}
