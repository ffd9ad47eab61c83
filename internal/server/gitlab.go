package server

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
)

// GitLab's webhook headers and the merge-request event prsweep acts on
// (api-notes §6.3).
const (
	glEventHeader = "X-Gitlab-Event"
	glTokenHeader = "X-Gitlab-Token" // the secret token, verbatim: not a signature
	// Idempotency-Key is the same on every retry of one execution (GitLab 17.4+);
	// X-Gitlab-Event-UUID names the event, on older versions too.
	glIdempotencyHeader = "Idempotency-Key"
	glEventUUIDHeader   = "X-Gitlab-Event-UUID"
	glEventMR           = "Merge Request Hook"
	glKindMR            = "merge_request"
)

// glClosing reports whether an action and state end a merge request: merged,
// or closed unmerged. Both must say so.
func glClosing(action, state string) bool {
	return action == "merge" && state == "merged" || action == "close" && state == "closed"
}

// glHook is the GitLab endpoint: the token's digest and where its merge
// requests live.
type glHook struct {
	*forgeHook
	token [sha256.Size]byte
}

// ok reports whether r carries the token, once, compared in constant time.
func (h *glHook) ok(r *http.Request) bool {
	got := headerValue(r, glTokenHeader)
	return got != "" && same(got, h.token) == 1
}

// glEvent is the part of a merge-request delivery prsweep reads.
type glEvent struct {
	ObjectKind string `json:"object_kind"`
	Project    *struct {
		ID                json.Number `json:"id"`
		PathWithNamespace string      `json:"path_with_namespace"`
	} `json:"project"`
	ObjectAttributes *struct {
		IID    json.Number `json:"iid"`
		Action string      `json:"action"`
		State  string      `json:"state"`
	} `json:"object_attributes"`
}

// glHint is what a merge-request delivery asks for. repo and number are set, and
// checked, only when it closes the merge request.
type glHint struct {
	action, state string
	repo          string // group/project
	projectID     string // the project's numeric id, canonical decimal; "" when the delivery has none
	number        string // the iid, canonical decimal
}

// parseGitLab reads a merge-request delivery. A closing one must name its
// project (group/project) and a positive iid.
func parseGitLab(body []byte) (glHint, error) {
	var ev glEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return glHint{}, fmt.Errorf("%w: %w", errMalformedForge, err)
	}
	if ev.ObjectKind != glKindMR {
		return glHint{}, fmt.Errorf("%w: object_kind is not merge_request", errMalformedForge)
	}
	if ev.ObjectAttributes == nil {
		return glHint{}, fmt.Errorf("%w: no object_attributes", errMalformedForge)
	}
	a := ev.ObjectAttributes
	h := glHint{action: a.Action, state: a.State}
	if !glClosing(h.action, h.state) {
		return h, nil
	}
	if h.number = prNumber(a.IID.String()); h.number == "" {
		return h, fmt.Errorf("%w: object_attributes.iid is not a merge-request iid", errMalformedForge)
	}
	if ev.Project == nil || !validRepoPath(ev.Project.PathWithNamespace, 2, 21) {
		return h, fmt.Errorf("%w: project.path_with_namespace is not group/project", errMalformedForge)
	}
	h.repo, h.projectID = ev.Project.PathWithNamespace, prNumber(ev.Project.ID.String())
	return h, nil
}

// gitLab serves POST /webhooks/gitlab.
func (s *Server) gitLab(w http.ResponseWriter, r *http.Request) {
	const endpoint = "gitlab"
	answer := s.answerer(w, endpoint)
	if !s.gl.ok(r) {
		s.log.Warn("webhook refused: bad or missing token", "endpoint", endpoint, "remote", r.RemoteAddr)
		answer(resultUnauthorized, http.StatusUnauthorized, "unauthorized")
		return
	}
	if s.stopping.Load() {
		w.Header().Set("Retry-After", retryAfter)
		answer(resultStopping, http.StatusServiceUnavailable, "shutting down")
		return
	}
	body, ok := readPayload(w, r, answer)
	if !ok {
		return
	}
	event := headerValue(r, glEventHeader)
	id := headerValue(r, glIdempotencyHeader)
	if id == "" {
		id = headerValue(r, glEventUUIDHeader)
	}
	delivery := deliveryID(endpoint, id)
	log := s.log.With("endpoint", endpoint, "event", event, "delivery", delivery)
	if event != glEventMR {
		log.Debug("webhook ignored: not a merge request hook")
		ignore(w, answer, resultIgnored, "not a Merge Request Hook")
		return
	}
	hint, err := parseGitLab(body)
	if err != nil {
		log.Warn("webhook refused", "error", err)
		answer(resultMalformed, http.StatusBadRequest, err.Error())
		return
	}
	if !glClosing(hint.action, hint.state) {
		log.Debug("webhook ignored", "action", hint.action, "state", hint.state)
		ignore(w, answer, resultIgnored, "neither merged nor closed")
		return
	}
	refs := s.gl.refs(hint.repo, hint.number, hint.projectID) // a source or rule may name the project by its id
	if len(refs) == 0 {
		log.Warn("webhook ignored: no rule reads merge requests of this project from source "+s.gl.source,
			"repo", hint.repo, "mr", hint.number)
		ignore(w, answer, resultNoSource, "no rule for this project")
		return
	}
	s.enqueue(w, answer, log.With("action", hint.action), delivery, refs)
}
