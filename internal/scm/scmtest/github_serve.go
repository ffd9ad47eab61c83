package scmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitHub's error bodies.
const (
	ghJSON            = "application/json; charset=utf-8"
	ghBadCredentials  = `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`
	ghNotAccessible   = `{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/pulls/pulls#get-a-pull-request","status":"403"}`
	ghSecondaryLimit  = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`
	ghPrimaryLimit    = `{"message":"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit","status":"403"}`
	ghServerError     = `{"message":"Server Error"}`
	ghUnknownEndpoint = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`
)

// SecondaryLimit answers the next times requests, of any kind, 403 with GitHub's
// secondary-limit message, and Retry-After in whole seconds unless retryAfter is
// negative.
func (g *GitHub) SecondaryLimit(times int, retryAfter time.Duration) {
	g.addFault("*", times, func(w http.ResponseWriter) {
		if retryAfter >= 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
		}
		ghWrite(w, http.StatusForbidden, ghSecondaryLimit)
	})
}

// PrimaryLimit spends resource's (core or graphql) primary limit for the next times
// requests of it: REST answers 403 and GraphQL 200 with a RATE_LIMITED error,
// both with x-ratelimit-remaining: 0 and the reset time.
func (g *GitHub) PrimaryLimit(resource string, times int) {
	g.addFault(resource, times, func(w http.ResponseWriter) {
		w.Header().Set("X-Ratelimit-Remaining", "0")
		if resource == "graphql" {
			ghWrite(w, http.StatusOK, `{"errors":[{"type":"RATE_LIMITED","code":"graphql_rate_limit","message":"API rate limit exceeded for user ID 1."}]}`)
			return
		}
		ghWrite(w, http.StatusForbidden, ghPrimaryLimit)
	})
}

// FailPR answers the next times REST reads of pull request n of repo with status
// (500, 502, …) and a JSON error body.
func (g *GitHub) FailPR(repo string, n, status, times int) {
	g.addFault(prKey(repo, n), times, func(w http.ResponseWriter) { ghWrite(w, status, ghServerError) })
}

// FailGraphQL answers the next times GraphQL queries with status and a JSON body.
func (g *GitHub) FailGraphQL(status, times int) {
	g.addFault("graphql", times, func(w http.ResponseWriter) { ghWrite(w, status, ghServerError) })
}

func (g *GitHub) addFault(key string, times int, write func(http.ResponseWriter)) {
	if times == 0 || times < Forever {
		g.errorf("github fake: fault for %s with times %d: want > 0 or Forever", key, times)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults[key] = append(g.faults[key], &ghFault{times: times, write: write})
}

// nextFault returns the first fault queued under one of keys. g.mu is held.
func (g *GitHub) nextFault(keys ...string) func(http.ResponseWriter) {
	for _, k := range keys {
		q := g.faults[k]
		if len(q) == 0 {
			continue
		}
		head := q[0]
		if head.times != Forever {
			if head.times--; head.times == 0 {
				g.faults[k] = q[1:]
			}
		}
		return head.write
	}
	return nil
}

// PullReads returns how many REST reads of pull request n of repo the fake received.
func (g *GitHub) PullReads(repo string, n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.counts[prKey(repo, n)]
}

// GraphQLQueries returns how many pull requests each GraphQL query asked for, in order.
func (g *GitHub) GraphQLQueries() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.gqlPRs...)
}

// Requests returns how many requests the fake received of a kind: "GET pull",
// "GET pulls", "GET repo", "GET rate_limit", "POST graphql", "POST access_tokens".
func (g *GitHub) Requests(kind string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests[kind]
}

func prKey(repo string, n int) string { return strings.ToLower(repo) + "#" + strconv.Itoa(n) }

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == g.gqlAt {
		g.serveGraphQL(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, g.prefix+"/")
	if !ok {
		g.unknown(w, r, "not under the API's base "+g.prefix+"/")
		return
	}
	if id, ok := strings.CutPrefix(rest, "app/installations/"); ok && r.Method == http.MethodPost {
		g.serveAccessToken(w, r, strings.TrimSuffix(id, "/access_tokens"), strings.HasSuffix(id, "/access_tokens"))
		return
	}
	if r.Method != http.MethodGet {
		g.unknown(w, r, "method is not GET")
		return
	}
	if a := r.Header.Get("Accept"); !strings.Contains(a, "json") {
		g.unknown(w, r, fmt.Sprintf("Accept %q asks for no JSON", a))
		return
	}
	if rest == "rate_limit" {
		g.serveREST(w, r, "GET rate_limit", "", 0)
		return
	}
	parts := strings.Split(strings.TrimPrefix(rest, "repos/"), "/")
	switch {
	case !strings.HasPrefix(rest, "repos/") || len(parts) < 2 || parts[0] == "" || parts[1] == "":
		g.unknown(w, r, "not a repository path")
	case len(parts) == 2:
		g.serveREST(w, r, "GET repo", parts[0]+"/"+parts[1], 0)
	case len(parts) == 3 && parts[2] == "pulls":
		g.serveREST(w, r, "GET pulls", parts[0]+"/"+parts[1], 0)
	case len(parts) == 4 && parts[2] == "pulls":
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 1 || strconv.Itoa(n) != parts[3] {
			// GitHub itself answers 404 here; a client should never send it.
			g.unknown(w, r, fmt.Sprintf("%q is not a pull-request number", parts[3]))
			return
		}
		g.serveREST(w, r, "GET pull", parts[0]+"/"+parts[1], n)
	default:
		g.unknown(w, r, "not an endpoint the fake serves")
	}
}

func (g *GitHub) unknown(w http.ResponseWriter, r *http.Request, why string) {
	// Never echo headers here: the Authorization header is a credential.
	g.errorf("github fake: unexpected request %s %s: %s", r.Method, r.URL.Path, why)
	ghWrite(w, http.StatusNotFound, ghUnknownEndpoint)
}

// serveREST answers an authorized REST read of kind.
func (g *GitHub) serveREST(w http.ResponseWriter, r *http.Request, kind, repo string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests[kind]++
	if kind == "GET pull" {
		g.counts[prKey(repo, n)]++
	}
	g.rateHeaders(w, "core")
	if !g.authorizedLocked(r) {
		ghWrite(w, http.StatusUnauthorized, ghBadCredentials)
		return
	}
	keys := []string{"*", "core"}
	if kind == "GET pull" {
		keys = append(keys, prKey(repo, n))
	}
	if fault := g.nextFault(keys...); fault != nil {
		fault(w)
		return
	}
	if kind == "GET rate_limit" {
		ghWrite(w, http.StatusOK, g.rateLimitBody())
		return
	}
	rp := g.repos[strings.ToLower(repo)]
	if rp == nil || rp.hidden {
		ghWrite(w, http.StatusNotFound, GitHubPRNotFound)
		return
	}
	switch kind {
	case "GET repo":
		ghWrite(w, http.StatusOK, g.repoBody(rp))
	case "GET pulls":
		q := r.URL.Query()
		if st := q.Get("state"); st != "" && st != "all" && st != "open" && st != "closed" {
			g.errorf("github fake: GET pulls with state %q", st)
		}
		if rp.denyPulls {
			ghWrite(w, http.StatusForbidden, ghNotAccessible)
			return
		}
		var out []json.RawMessage
		for num, pr := range rp.prs {
			if len(out) < max(atoiOr(q.Get("per_page"), 30), 1) {
				out = append(out, g.prBody(rp, num, pr))
			}
		}
		b, _ := json.Marshal(append([]json.RawMessage{}, out...))
		ghWrite(w, http.StatusOK, string(b))
	case "GET pull":
		pr, ok := rp.prs[n]
		switch {
		case rp.denyPulls:
			ghWrite(w, http.StatusForbidden, ghNotAccessible)
		case !ok:
			ghWrite(w, http.StatusNotFound, GitHubPRNotFound)
		default:
			ghWrite(w, http.StatusOK, string(g.prBody(rp, n, pr)))
		}
	}
}

// authorizedLocked reports whether the request carries a token the fake accepts.
func (g *GitHub) authorizedLocked(r *http.Request) bool {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "token") {
		return false
	}
	exp, ok := g.tokens[tok]
	return ok && (exp.IsZero() || g.now().Before(exp))
}

// rateHeaders spends one request of resource and writes the x-ratelimit-* headers.
func (g *GitHub) rateHeaders(w http.ResponseWriter, resource string) {
	if g.limits[resource] > 0 {
		g.limits[resource]--
	}
	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(githubRateLimit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(g.limits[resource]))
	h.Set("X-Ratelimit-Used", strconv.Itoa(githubRateLimit-g.limits[resource]))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(g.reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", resource)
	h.Set("X-Github-Api-Version-Selected", "2022-11-28")
	h.Set("X-Github-Request-Id", "0000:0000:0000000:0000000:00000000")
}

func ghWrite(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", ghJSON)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
