package registrytest

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
)

// jwtAuth: GET /jwt/auth?service=container_registry&scope=repository:<path>:<actions>
// with basic credentials whose password is a token (GitLab accepts any username
// with a personal, project or group access token). The registry token allows what
// the token's scopes and role allow on repositories of known projects: pull with
// api, read_registry or write_registry; push and delete with api or write_registry
// and the Developer role. Without credentials the token allows nothing (the
// projects here are private).
func (g *GitLab) jwtAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("service") != "container_registry" {
		g.unknownGitLab(w, r)
		return
	}
	var tok GitLabToken
	if _, pass, ok := r.BasicAuth(); ok {
		g.mu.Lock()
		t, known := g.tokens[pass]
		g.mu.Unlock()
		if !known {
			acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "HTTP Basic: Access denied")
			return
		}
		tok = t
	}
	has := func(scopes ...string) bool {
		return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(tok.Scopes, s) })
	}
	grant := glGrant{access: map[string][]string{}}
	for _, scope := range q["scope"] {
		parts := strings.Split(scope, ":")
		if len(parts) != 3 || parts[0] != "repository" {
			continue
		}
		repo := parts[1]
		if _, ok := g.owner(repo); !ok {
			continue
		}
		for _, a := range strings.Split(parts[2], ",") {
			allowed := false
			switch a {
			case "pull":
				allowed = has("api", "read_registry", "write_registry")
			case "push", "delete":
				allowed = has("api", "write_registry") && tok.AccessLevel >= 30
			}
			if allowed && !slices.Contains(grant.access[repo], a) {
				grant.access[repo] = append(grant.access[repo], a)
			}
		}
	}
	jwt := mintJWT(map[string]any{"iss": "gitlab-issuer", "aud": "container_registry"})
	g.mu.Lock()
	g.jwts[jwt] = grant
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": jwt, "expires_in": 900,
		"issued_at": g.now().UTC().Format("2006-01-02T15:04:05Z")})
}

// serveRegistry is the registry host: a token check, then the backend; and GitLab's
// /jwt/auth (see challenge).
func (g *GitLab) serveRegistry(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/jwt/auth" {
		g.note(r.Method, "/jwt/auth")
		g.jwtAuth(w, r)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/v2/")
	if !ok {
		g.unknownGitLab(w, r)
		return
	}
	w.Header().Set("Gitlab-Container-Registry-Version", "v4.15.0-gitlab")
	w.Header().Set("Gitlab-Container-Registry-Features", "tag_delete")
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	grant, authed := g.bearer(r)
	if p == "" {
		g.note(r.Method, "/v2/")
		if !authed {
			g.challenge(w, "")
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	repo, kind := glV2Route(p)
	if repo == "" {
		g.unknownGitLab(w, r)
		return
	}
	g.note(r.Method, "/v2/{repo}/"+kind)
	action := "pull"
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodDelete:
		action = "delete"
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		action = "push"
	default:
		g.unknownGitLab(w, r)
		return
	}
	if !authed || !slices.Contains(grant.access[repo], action) {
		g.challenge(w, "repository:"+repo+":"+action)
		return
	}
	target, _ := url.Parse(g.backend.srv.URL())
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		pr.SetXForwarded()
		pr.Out.Header.Del("Authorization")
		if u, p, ok := g.backend.srv.BasicAuth(); ok {
			pr.Out.SetBasicAuth(u, p)
		}
	}}
	proxy.ServeHTTP(w, r)
}

// glV2Route splits a /v2/ path (without "/v2/") into the repository and the kind of
// resource: manifests/{ref}, blobs/{digest}, blobs/uploads/…, tags/list or
// referrers/{digest}.
func glV2Route(p string) (repo, kind string) {
	for _, seg := range []string{"/manifests/", "/blobs/uploads/", "/blobs/", "/tags/list", "/referrers/"} {
		if i := strings.LastIndex(p, seg); i > 0 {
			kind := map[string]string{"/manifests/": "manifests/{ref}", "/blobs/uploads/": "blobs/uploads/",
				"/blobs/": "blobs/{digest}", "/tags/list": "tags/list", "/referrers/": "referrers/{digest}"}[seg]
			return p[:i], kind
		}
	}
	return "", ""
}

func (g *GitLab) bearer(r *http.Request) (glGrant, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return glGrant{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	grant, ok := g.jwts[tok]
	return grant, ok
}

// challenge answers 401 with the Bearer challenge of GitLab's registry. Its realm is
// GitLab's /jwt/auth, which the fake also serves on the registry host and names
// there: go-containerregistry refuses a realm on another private IP address (its
// SSRF guard), and both fake servers are on 127.0.0.1. A real GitLab's realm is
// https://gitlab.example.com/jwt/auth, a host name.
func (g *GitLab) challenge(w http.ResponseWriter, scope string) {
	bearerChallenge(w, g.reg.URL+"/jwt/auth", "container_registry", scope)
}
