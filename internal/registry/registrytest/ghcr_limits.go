package registrytest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiToken reads the token of an API request: "Bearer X" or "token X".
func (g *GHCR) apiToken(w http.ResponseWriter, r *http.Request) (ghcrToken, bool) {
	h := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(h, " ")
	if h == "" || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		ghError(w, http.StatusUnauthorized, "Requires authentication")
		return ghcrToken{}, false
	}
	g.mu.Lock()
	tok, ok := g.tokens[value]
	g.mu.Unlock()
	if !ok {
		ghError(w, http.StatusUnauthorized, "Bad credentials")
		return ghcrToken{}, false
	}
	return tok, true
}

// rateLimited sets the x-ratelimit-* headers and answers a rate-limited request.
func (g *GHCR) rateLimited(w http.ResponseWriter) bool {
	g.mu.Lock()
	kind, _ := g.limits.take()
	if kind != "" {
		g.limited++
	} else if g.remaining > 0 {
		g.remaining--
	}
	remaining, now := g.remaining, g.now()
	g.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-remaining))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
	switch kind {
	case GHCRPrimary:
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(2*time.Second).Unix(), 10))
		ghError(w, http.StatusForbidden, "API rate limit exceeded for user ID 4242.")
	case GHCRSecondary:
		h.Set("Retry-After", "1")
		ghError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
	case GHCR429:
		h.Set("Retry-After", "1")
		ghError(w, http.StatusTooManyRequests, "Too many requests")
	default:
		return false
	}
	return true
}
