package server

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// GitHub's webhook headers and the event prsweep acts on (api-notes §5.4).
const (
	ghEventHeader     = "X-GitHub-Event"
	ghDeliveryHeader  = "X-GitHub-Delivery"   // the same on a redelivery: the dedupe key
	ghSignatureHeader = "X-Hub-Signature-256" // sha256=<hex HMAC-SHA256(secret, body)>
	ghEventPR         = "pull_request"
	ghEventPing       = "ping"
	ghActionClosed    = "closed" // merged or closed unmerged; pull_request.merged tells which
)

// ghHook is the GitHub endpoint: its secret and where its pull requests live.
type ghHook struct {
	*forgeHook
	secret []byte
}

// signed reports whether header is the body's signature with the secret. Only
// the SHA-256 header is read: the SHA-1 X-Hub-Signature is never a fallback.
func (h *ghHook) signed(header string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil)) // constant time
}

// ghEvent is the part of a pull_request delivery prsweep reads.
type ghEvent struct {
	Action      string      `json:"action"`
	Number      json.Number `json:"number"`
	PullRequest *struct {
		Number json.Number `json:"number"`
		State  string      `json:"state"`
		Merged bool        `json:"merged"`
	} `json:"pull_request"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// ghHint is what a pull_request delivery asks for. repo and number are set, and
// checked, only when the action is closed.
type ghHint struct {
	action string
	merged bool
	repo   string // owner/name
	number string // canonical decimal
}

// parseGitHub reads a pull_request delivery. A closed one must name its
// repository (owner/name) and a positive number.
func parseGitHub(body []byte) (ghHint, error) {
	var ev ghEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return ghHint{}, fmt.Errorf("%w: %w", errMalformedForge, err)
	}
	if ev.Action == "" {
		return ghHint{}, fmt.Errorf("%w: no action", errMalformedForge)
	}
	h := ghHint{action: ev.Action}
	if ev.Action != ghActionClosed {
		return h, nil
	}
	if ev.PullRequest == nil || ev.Repository == nil {
		return h, fmt.Errorf("%w: no pull_request or repository", errMalformedForge)
	}
	h.merged = ev.PullRequest.Merged
	h.number = prNumber(cmp.Or(ev.Number.String(), ev.PullRequest.Number.String()))
	switch {
	case h.number == "":
		return h, fmt.Errorf("%w: number is not a pull-request number", errMalformedForge)
	case ev.PullRequest.Number != "" && prNumber(ev.PullRequest.Number.String()) != h.number:
		return h, fmt.Errorf("%w: number and pull_request.number differ", errMalformedForge)
	}
	if !validRepoPath(ev.Repository.FullName, 2, 2) {
		return h, fmt.Errorf("%w: repository.full_name is not owner/name", errMalformedForge)
	}
	h.repo = ev.Repository.FullName
	return h, nil
}

// gitHub serves POST /webhooks/github.
func (s *Server) gitHub(w http.ResponseWriter, r *http.Request) {
	const endpoint = "github"
	answer := s.answerer(w, endpoint)
	refuse := func() {
		s.log.Warn("webhook refused: bad or missing signature", "endpoint", endpoint, "remote", r.RemoteAddr)
		answer(resultUnauthorized, http.StatusUnauthorized, "unauthorized")
	}
	sig := headerValue(r, ghSignatureHeader)
	if sig == "" {
		refuse()
		return
	}
	body, ok := readPayload(w, r, answer)
	if !ok {
		return
	}
	if !s.gh.signed(sig, body) {
		refuse()
		return
	}
	if s.stopping.Load() {
		w.Header().Set("Retry-After", retryAfter)
		answer(resultStopping, http.StatusServiceUnavailable, "shutting down")
		return
	}
	event, delivery := headerValue(r, ghEventHeader), deliveryID(endpoint, headerValue(r, ghDeliveryHeader))
	log := s.log.With("endpoint", endpoint, "event", event, "delivery", delivery)
	switch event {
	case ghEventPing:
		log.Info("webhook ping")
		answer(resultPing, http.StatusOK, "pong")
		return
	case ghEventPR:
	default:
		log.Debug("webhook ignored: not a pull_request event")
		ignore(w, answer, resultIgnored, "not a pull_request event")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		// The webhook's other content type: the JSON is the payload field (the
		// signature covers the raw body, checked above).
		form, err := url.ParseQuery(string(body))
		if err != nil {
			answer(resultMalformed, http.StatusBadRequest, "malformed form body")
			return
		}
		body = []byte(form.Get("payload"))
	}
	hint, err := parseGitHub(body)
	if err != nil {
		log.Warn("webhook refused", "error", err)
		answer(resultMalformed, http.StatusBadRequest, err.Error())
		return
	}
	if hint.action != ghActionClosed {
		log.Debug("webhook ignored", "action", hint.action)
		ignore(w, answer, resultIgnored, "action is not closed")
		return
	}
	refs := s.gh.refs(hint.repo, hint.number, "")
	if len(refs) == 0 {
		log.Warn("webhook ignored: no rule reads pull requests of this repository from source "+s.gh.source,
			"repo", hint.repo, "pr", hint.number)
		ignore(w, answer, resultNoSource, "no rule for this repository")
		return
	}
	s.enqueue(w, answer, log.With("merged", hint.merged), delivery, refs)
}
