package gitlab

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimitHints gives httpx's retry layer the wait GitLab asks for when a 429
// carries no Retry-After: Rack::Attack's throttles send one, but GitLab's
// application limits may answer with only RateLimit-Reset (Unix seconds) or
// RateLimit-ResetTime (an HTTP date). Without it the retry layer would back off
// blindly and likely be throttled again. It sits under the retry layer.
type rateLimitHints struct {
	next http.RoundTripper
	now  func() time.Time
}

// maxHint bounds a wait derived from a reset time, whatever clock skew says; the
// retry layer's own cap (http.maxRetryAfter) still applies under it.
const maxHint = time.Hour

func (t *rateLimitHints) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" {
		return resp, err
	}
	if reset, ok := resetTime(resp.Header); ok {
		wait := min(max(reset.Sub(t.now()), 0), maxHint)
		secs := int64((wait + time.Second - 1) / time.Second)
		resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	return resp, nil
}

// resetTime reads when GitLab's rate-limit window resets.
func resetTime(h http.Header) (time.Time, bool) {
	if v := h.Get("RateLimit-Reset"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0), true
		}
	}
	if v := h.Get("RateLimit-ResetTime"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
