package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/scm"
)

// errMalformedForge marks a GitHub or GitLab payload prsweep cannot read.
var errMalformedForge = errors.New("malformed webhook payload")

// resultPing is a GitHub ping (200), answered once the signature is checked.
const resultPing = "ping"

// forgeHook is what a GitHub or GitLab endpoint needs to turn a delivery into
// sweeps: the source that knows its pull requests and the repos its rules name.
type forgeHook struct {
	source string
	static bool     // a static source (offline tests): pull-request ids are not per repository
	repos  []string // the rules' repo for this source: owner/name, group/project, or a template
	any    bool     // a rule names the source (static sources have no repo)
	// project is a gitlab source's own project when a rule leaves repo out: its
	// merge requests are asked with no repo, as the sweep's rule match spells them.
	project string
}

func newForgeHook(endpoint, named, typ string, cfg *config.Config) (*forgeHook, error) {
	src, ok := config.WebhookSource(named, typ, cfg.Sources)
	if !ok || (src.Type != typ && src.Type != "static") {
		return nil, fmt.Errorf("serve.webhooks.%s: no source of type %s (the configuration was not validated)", endpoint, typ)
	}
	h := &forgeHook{source: src.Name, static: src.Type == "static"}
	for _, r := range cfg.Rules {
		if r.Source != src.Name {
			continue
		}
		h.any = true
		if r.Repo != "" {
			h.repos = append(h.repos, r.Repo)
		} else {
			h.project = src.Project
		}
	}
	return h, nil
}

// refs returns the pull request a delivery names, as the rules would spell it:
// a rule whose repo is the delivery's (GitHub and GitLab paths ignore case) gives
// its own spelling; a rule whose repo is a template ({repository}, {name}) may
// resolve to any repository, so it gives the delivery's. No rule for the
// repository: no sweep. id, when the forge gave one, is another name of the
// repository (GitLab: a project's numeric id, which a source's project may be).
// Which ref is asked does not matter for safety: a sweep scoped to it deletes
// only tags whose rule resolves to it, after reading its state from the source.
func (h *forgeHook) refs(repo, number, id string) []scm.Ref {
	if h.static {
		if !h.any {
			return nil
		}
		return []scm.Ref{{Source: h.source, Number: number}}
	}
	var out []scm.Ref
	add := func(r scm.Ref) {
		for _, o := range out {
			if o == r {
				return
			}
		}
		out = append(out, r)
	}
	names := func(want string) bool { return strings.EqualFold(want, repo) || (id != "" && want == id) }
	for _, want := range h.repos {
		switch {
		case strings.Contains(want, "{"):
			add(scm.Ref{Source: h.source, Repo: repo, Number: number})
		case names(want):
			add(scm.Ref{Source: h.source, Repo: want, Number: number})
		}
	}
	if h.project != "" && names(h.project) {
		add(scm.Ref{Source: h.source, Number: number})
	}
	return out
}

// readPayload reads a delivery's body, at most maxPayload bytes; on failure it
// answers (413 or 400) and returns false.
func readPayload(w http.ResponseWriter, r *http.Request, answer func(result string, status int, msg string)) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			answer(resultTooLarge, http.StatusRequestEntityTooLarge, "payload too large")
			return nil, false
		}
		answer(resultMalformed, http.StatusBadRequest, "reading the payload failed")
		return nil, false
	}
	return body, true
}

// answerer counts a delivery's result on endpoint and replies.
func (s *Server) answerer(w http.ResponseWriter, endpoint string) func(result string, status int, msg string) {
	return func(result string, status int, msg string) {
		s.m.webhooks.WithLabelValues(endpoint, result).Inc()
		reply(w, status, msg)
	}
}

// ignore answers 204 for a delivery that closes no pull request, with the reason
// in a header (GitHub and GitLab show a delivery's response headers).
func ignore(w http.ResponseWriter, answer func(string, int, string), result, why string) {
	w.Header().Set("X-Prsweep-Ignored", why)
	answer(result, http.StatusNoContent, "")
}

// enqueue queues a sweep for each of refs and answers the delivery.
func (s *Server) enqueue(w http.ResponseWriter, answer func(string, int, string), log *slog.Logger, delivery string, refs []scm.Ref) {
	switch s.q.add(delivery, refs) {
	case duplicate:
		log.Info("webhook already received", "pr", refNames(refs))
		answer(resultDuplicate, http.StatusOK, "already received")
	case full:
		log.Warn("webhook refused: the queue is full", "pr", refNames(refs), "queue", cap(s.q.ch))
		w.Header().Set("Retry-After", retryAfter)
		answer(resultQueueFull, http.StatusServiceUnavailable, "queue full")
	case stopping:
		w.Header().Set("Retry-After", retryAfter)
		answer(resultStopping, http.StatusServiceUnavailable, "shutting down")
	default:
		log.Info("sweep queued", "pr", refNames(refs))
		answer(resultAccepted, http.StatusAccepted, "sweep queued for "+refNames(refs))
	}
}

// prNumber reads a pull- or merge-request number: a positive integer, returned
// in canonical decimal; "" when raw is not one.
func prNumber(raw string) string {
	n, err := strconv.ParseUint(raw, 10, 63)
	if err != nil || n == 0 {
		return ""
	}
	return strconv.FormatUint(n, 10)
}

// validRepoPath accepts owner/name (GitHub, segments == 2) or
// group/subgroup/project (GitLab, segments >= 2): segments of letters, digits,
// '-', '_' and '.', never "." or "..". What it refuses never reaches a log line
// or a sweep.
func validRepoPath(p string, minSegments, maxSegments int) bool {
	if len(p) > 512 {
		return false
	}
	segs := strings.Split(p, "/")
	if len(segs) < minSegments || len(segs) > maxSegments {
		return false
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return false
		}
		for _, r := range s {
			if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// headerValue returns a header's only value; "" when it is absent, empty or
// given more than once.
func headerValue(r *http.Request, name string) string {
	v := r.Header.Values(name)
	if len(v) != 1 {
		return ""
	}
	return v[0]
}

// deliveryID keeps a delivery id fit for the dedupe set and the logs: printable
// ASCII, at most 128 bytes; "" (never taken for a duplicate) otherwise.
func deliveryID(endpoint, id string) string {
	if id == "" || len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return ""
		}
	}
	return endpoint + ":" + id
}

// forgeHooks sets up the GitHub and GitLab endpoints that cfg configures. An
// empty secret is refused here too: no endpoint is ever open.
func (s *Server) forgeHooks(cfg *config.Config) error {
	if h := cfg.Serve.Webhooks.GitHub; h != nil {
		if !h.Secret.IsSet() {
			return errors.New("serve.webhooks.github: no secret (the configuration was not validated)")
		}
		fh, err := newForgeHook("github", h.Source, "github", cfg)
		if err != nil {
			return err
		}
		s.gh = &ghHook{forgeHook: fh, secret: []byte(h.Secret.Reveal())}
	}
	if h := cfg.Serve.Webhooks.GitLab; h != nil {
		if !h.Token.IsSet() {
			return errors.New("serve.webhooks.gitlab: no token (the configuration was not validated)")
		}
		fh, err := newForgeHook("gitlab", h.Source, "gitlab", cfg)
		if err != nil {
			return err
		}
		s.gl = &glHook{forgeHook: fh, token: sha256.Sum256([]byte(h.Token.Reveal()))}
	}
	return nil
}

// endpoints names the webhook endpoints served.
func (s *Server) endpoints() []string {
	var out []string
	if s.adoAuth != nil {
		out = append(out, "azuredevops")
	}
	if s.gh != nil {
		out = append(out, "github")
	}
	if s.gl != nil {
		out = append(out, "gitlab")
	}
	return out
}
