package ghcr

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// secondaryWait is how long GitHub asks a client to wait after a secondary rate
// limit that names no time: "wait for at least one minute before retrying".
const secondaryWait = time.Minute

// rateLimits turns GitHub's rate-limit answers into what httpx's retry and limiter
// layers understand: 429 with a Retry-After. GitHub answers an exhausted primary
// limit with 403 or 429 and x-ratelimit-remaining: 0 (wait until
// x-ratelimit-reset), and a secondary limit with 403 or 429 and a message saying
// so (wait retry-after seconds, else until x-ratelimit-reset if remaining is 0,
// else at least a minute). Any other 403 is a refusal and passes unchanged.
type rateLimits struct {
	next http.RoundTripper
	now  func() time.Time
}

// maxErrorBody bounds how much of an error answer is read to tell a rate limit
// from a refusal; GitHub's error bodies are a few hundred bytes.
const maxErrorBody = 64 << 10

func (l rateLimits) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests) {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	wait, limited := l.wait(resp.Header, body)
	if !limited {
		return resp, nil
	}
	resp.StatusCode, resp.Status = http.StatusTooManyRequests, "429 Too Many Requests (GitHub rate limit)"
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	return resp, nil
}

// wait says whether an answer is a rate limit, and how long GitHub asks to wait.
func (l rateLimits) wait(h http.Header, body []byte) (time.Duration, bool) {
	exhausted := h.Get("X-RateLimit-Remaining") == "0"
	secondary := strings.Contains(strings.ToLower(string(body)), "rate limit")
	if !exhausted && !secondary {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("Retry-After")), 10, 64); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if exhausted {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(l.now()), time.Second), true
		}
	}
	return secondaryWait, true
}
