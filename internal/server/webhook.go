package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/prsweep/prsweep/internal/scm"
)

// maxPayload bounds a webhook body: a pull-request event with all its details is
// a few kilobytes.
const maxPayload = 1 << 20

// retryAfter is what a refused delivery is told to wait, in seconds.
const retryAfter = "60"

// Webhook results, the label of prsweep_webhook_requests_total.
const (
	resultAccepted     = "accepted"     // 202: a sweep is queued
	resultDuplicate    = "duplicate"    // 200: this delivery was taken before
	resultIgnored      = "ignored"      // 204: not an event or a status that closes a pull request
	resultNoSource     = "no_source"    // 204: no source (ADO) or rule (GitHub, GitLab) for the event's project or repository
	resultUnauthorized = "unauthorized" // 401
	resultMalformed    = "malformed"    // 400
	resultTooLarge     = "too_large"    // 413
	resultQueueFull    = "queue_full"   // 503 with Retry-After
	resultStopping     = "stopping"     // 503 with Retry-After: shutting down
)

func webhookResults() []string {
	return []string{resultAccepted, resultDuplicate, resultIgnored, resultNoSource, resultUnauthorized,
		resultMalformed, resultTooLarge, resultQueueFull, resultStopping}
}

// azureDevOps serves POST /webhooks/azuredevops.
func (s *Server) azureDevOps(w http.ResponseWriter, r *http.Request) {
	const endpoint = "azuredevops"
	answer := func(result string, status int, msg string) {
		s.m.webhooks.WithLabelValues(endpoint, result).Inc()
		reply(w, status, msg)
	}
	if !s.adoAuth.ok(r) {
		if c := s.adoAuth.challenge(); c != "" {
			w.Header().Set("WWW-Authenticate", c)
		}
		s.log.Warn("webhook refused: bad or missing credentials", "endpoint", endpoint, "remote", r.RemoteAddr)
		answer(resultUnauthorized, http.StatusUnauthorized, "unauthorized")
		return
	}
	if s.stopping.Load() {
		w.Header().Set("Retry-After", retryAfter)
		answer(resultStopping, http.StatusServiceUnavailable, "shutting down")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			answer(resultTooLarge, http.StatusRequestEntityTooLarge, "payload too large")
			return
		}
		answer(resultMalformed, http.StatusBadRequest, "reading the payload failed")
		return
	}
	hint, err := parseADO(body)
	if err != nil {
		s.log.Warn("webhook refused", "endpoint", endpoint, "error", err)
		answer(resultMalformed, http.StatusBadRequest, err.Error())
		return
	}
	log := s.log.With("endpoint", endpoint, "event", hint.event, "delivery", hint.delivery)
	if hint.event != adoEventUpdated || !adoClosed(hint.status) {
		log.Debug("webhook ignored", "pr", hint.number, "status", hint.status)
		answer(resultIgnored, http.StatusNoContent, "")
		return
	}
	refs := hint.refs(s.ado)
	if len(refs) == 0 {
		log.Warn("webhook ignored: no azuredevops source has this project", "pr", hint.number, "projects", hint.projects)
		answer(resultNoSource, http.StatusNoContent, "")
		return
	}
	switch s.q.add(hint.delivery, refs) {
	case duplicate:
		log.Info("webhook already received", "pr", hint.number)
		answer(resultDuplicate, http.StatusOK, "already received")
	case full:
		log.Warn("webhook refused: the queue is full", "pr", hint.number, "queue", cap(s.q.ch))
		w.Header().Set("Retry-After", retryAfter)
		answer(resultQueueFull, http.StatusServiceUnavailable, "queue full")
	case stopping:
		w.Header().Set("Retry-After", retryAfter)
		answer(resultStopping, http.StatusServiceUnavailable, "shutting down")
	default:
		log.Info("sweep queued", "pr", refNames(refs), "status", hint.status)
		answer(resultAccepted, http.StatusAccepted, "sweep queued for "+refNames(refs))
	}
}

// reply writes a short plain-text answer: headers first, then the status, then
// the body (none for 204).
func reply(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

func refNames(refs []scm.Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.String()
	}
	return strings.Join(names, ", ")
}
