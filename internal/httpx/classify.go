package httpx

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func retryableStatus(code int, idempotent bool) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusInternalServerError:
		return idempotent
	}
	return false
}

// retryableError reports whether a transport error is a connection hiccup that
// another attempt may not meet. The caller has checked that the request's own
// context is live, so a deadline here is a single attempt's timeout.
func retryableError(err error, idempotent bool) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true // nothing was sent: safe whatever the method
	}
	if !idempotent {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false // someone gave up on this attempt on purpose
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// idempotent follows net/http's rule: safe methods, PUT and DELETE, or a
// request that carries an idempotency key; and a registry's blob upload.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey || blobUpload(req)
}

// blobUpload reports whether req is a registry's blob POST or PATCH: starting an
// upload session, mounting a blob from another repository, uploading a whole
// blob by its digest, or a chunk of an upload. Repeating one changes nothing
// anybody sees: a session nobody finishes expires, a blob is stored by its
// content, and a chunk sent twice makes the closing PUT fail its digest check
// rather than store anything wrong. So a 500 or a reset of one is retried like a
// PUT's.
func blobUpload(req *http.Request) bool {
	return (req.Method == http.MethodPost || req.Method == http.MethodPatch) && registryKind(req) == KindBlob
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP-date. A
// date in the past means no wait. ok is false when the header is absent or
// malformed, and the caller falls back to back-off.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
