package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GitHub's rate limits (docs.github.com, "Rate limits for the REST API"):
//
//   - primary: 403 or 429 with x-ratelimit-remaining: 0; nothing more of that
//     resource (core, graphql, …) before x-ratelimit-reset (epoch seconds);
//   - secondary: 403 or 429 with retry-after (seconds), or a 403 whose message
//     says "secondary rate limit"; nothing before retry-after, else wait a minute,
//     longer each time it repeats. "Continuing to make requests while you are rate
//     limited may result in the banning of your integration."
//
// rateLimits turns both into what httpx's retry layer understands — a 429 with
// Retry-After — and holds every later request of the client until the limit has
// passed, so that requests in flight at once do not each run into it. A held
// request is answered 429 with Retry-After by the hold layer itself, unsent: the
// retry layer waits (with its sleep, within its cap on Retry-After) and sends it
// again, and the hold lets it through, since each request waits out a hold once.
// A hold beyond the cap fails the request without sending it: its state is
// unknown, and GitHub is left alone.
type rateLimits struct {
	now func() time.Time
	log *slog.Logger

	mu     sync.Mutex
	until  map[string]time.Time // resource → no request before; secondaryKey holds them all
	gen    int                  // counts the holds set, so that each request waits out a hold once
	streak int                  // secondary answers without a Retry-After in a row
}

const (
	secondaryKey     = "*"
	secondaryDefault = time.Minute // "wait for at least one minute before retrying"
	maxStreak        = 4           // the wait doubles up to 16 minutes
	resetMargin      = time.Second // GitHub's clock and ours differ a little
	maxErrorBody     = 64 << 10
)

func newRateLimits(now func() time.Time, log *slog.Logger) *rateLimits {
	return &rateLimits{now: now, log: log, until: map[string]time.Time{}}
}

// resource is the rate-limit resource a request counts against.
func resource(req *http.Request) string {
	if strings.HasSuffix(req.URL.Path, "/graphql") {
		return "graphql"
	}
	return "core"
}

// waited is what one request (all its attempts) has waited out; markLayer puts it
// in the request's context above the retry layer.
type waited struct {
	mu  sync.Mutex
	gen int // the last hold this request was told to wait for; -1: none
}

type waitedKey struct{}

// markLayer goes above the retry layer: every attempt of a request shares its mark.
func markLayer(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		ctx := context.WithValue(req.Context(), waitedKey{}, &waited{gen: -1})
		return next.RoundTrip(req.WithContext(ctx))
	})
}

// holdLayer answers a request that a limit in force holds with a 429 of its own
// (not sent), once per hold; it goes above the Limiter, so a held request keeps
// no slot.
func (g *rateLimits) holdLayer(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		g.mu.Lock()
		res := resource(req)
		until, kind := g.until[res], "primary"
		if s := g.until[secondaryKey]; s.After(until) {
			until, kind = s, "secondary"
		}
		wait, gen := until.Sub(g.now()), g.gen
		g.mu.Unlock()
		if wait <= 0 || !markWaited(req, gen) {
			return next.RoundTrip(req)
		}
		body := fmt.Sprintf(`{"message":"not sent: github's %s rate limit (%s) holds requests until %s"}`,
			kind, res, until.UTC().Format(time.RFC3339))
		resp := &http.Response{
			StatusCode: http.StatusTooManyRequests, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/json"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}
		return throttled(resp, wait), nil
	})
}

// markWaited records that req waits for hold gen, and reports whether it had not
// waited for it yet.
func markWaited(req *http.Request, gen int) bool {
	w, ok := req.Context().Value(waitedKey{}).(*waited)
	if !ok {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gen >= gen {
		return false
	}
	w.gen = gen
	return true
}

// observeLayer reads every answer's rate-limit headers; it goes below the
// Limiter, so that the Limiter counts the 429s it makes of GitHub's 403s.
func (g *rateLimits) observeLayer(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		return g.observe(req, resp)
	})
}

func (g *rateLimits) observe(req *http.Request, resp *http.Response) (*http.Response, error) {
	now := g.now()
	h := resp.Header
	res := h.Get("X-Ratelimit-Resource")
	if res == "" {
		res = resource(req)
	}
	var reset time.Time
	if secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64); err == nil && secs > 0 {
		reset = time.Unix(secs, 0)
	}
	exhausted := strings.TrimSpace(h.Get("X-Ratelimit-Remaining")) == "0" && !reset.IsZero()
	if exhausted {
		g.hold(req, res, reset.Add(resetMargin), "primary")
	}
	code := resp.StatusCode
	if code != http.StatusForbidden && code != http.StatusTooManyRequests {
		if code >= 200 && code < 300 {
			g.mu.Lock()
			g.streak = 0
			g.mu.Unlock()
		}
		return resp, nil
	}
	if exhausted {
		return throttled(resp, reset.Add(resetMargin).Sub(now)), nil
	}
	retryAfter, hasRetryAfter := retryAfterSeconds(h.Get("Retry-After"))
	if !hasRetryAfter && code == http.StatusForbidden {
		// A 403 is a refusal unless its message says it is the secondary limit.
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading status 403 body: %w", err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if !bytes.Contains(bytes.ToLower(body), []byte("secondary rate limit")) {
			return resp, nil
		}
	}
	wait := retryAfter
	if !hasRetryAfter {
		g.mu.Lock()
		wait = secondaryDefault << min(g.streak, maxStreak)
		g.streak++
		g.mu.Unlock()
	}
	g.hold(req, secondaryKey, now.Add(wait), "secondary")
	return throttled(resp, wait), nil
}

// hold stops requests of res (every request: secondaryKey) until until.
func (g *rateLimits) hold(req *http.Request, res string, until time.Time, kind string) {
	g.mu.Lock()
	longer := until.After(g.until[res])
	if longer {
		g.until[res] = until
		g.gen++
	}
	gen := g.gen
	g.mu.Unlock()
	// The request that met the limit waits for it through the retry layer now.
	markWaited(req, gen)
	if longer {
		g.log.LogAttrs(req.Context(), slog.LevelInfo, "github rate limit: holding requests",
			slog.String("limit", kind), slog.String("resource", res), slog.Time("until", until))
	}
}

// throttled makes resp a 429 whose Retry-After is wait, in whole seconds.
func throttled(resp *http.Response, wait time.Duration) *http.Response {
	secs := max(int64((wait+time.Second-1)/time.Second), 1)
	resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	resp.StatusCode = http.StatusTooManyRequests
	resp.Status = "429 Too Many Requests"
	return resp
}

func retryAfterSeconds(v string) (time.Duration, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || secs < 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
