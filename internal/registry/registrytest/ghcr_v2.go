package registrytest

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
)

// ghcrService is the service the registry's challenge names.
const ghcrService = "ghcr.io"

// ghcrGrant is what a registry token covers: repository → actions.
type ghcrGrant map[string][]string

// serveRegistry serves the registry's front: the token endpoint and /v2.
func (g *GHCR) serveRegistry(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/token" && r.Method == http.MethodGet:
		g.note(r.Method, "/token")
		g.registryToken(w, r)
	case p == "/v2/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		g.note(r.Method, "/v2/")
		if _, ok := g.bearer(w, r, "", ""); ok {
			writeJSON(w, http.StatusOK, map[string]any{})
		}
	case strings.HasPrefix(p, "/v2/"):
		g.v2(w, r)
	default:
		g.unknown(w, r)
	}
}

// registryToken: GET /token?scope=repository:OWNER/NAME:pull,push&service=ghcr.io
// with basic credentials whose password is a GitHub token → {"token": …} covering
// what that token may: pull with read:packages, push with write:packages.
func (g *GHCR) registryToken(w http.ResponseWriter, r *http.Request) {
	_, secret, ok := r.BasicAuth()
	g.mu.Lock()
	tok, known := g.tokens[secret]
	g.mu.Unlock()
	if !ok || !known {
		acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	if s := r.URL.Query().Get("service"); s != ghcrService {
		g.fail("registrytest: the GHCR token endpoint was asked for service %q", s)
	}
	grant := ghcrGrant{}
	for _, scope := range r.URL.Query()["scope"] {
		parts := strings.Split(scope, ":")
		if len(parts) != 3 || parts[0] != "repository" || !strings.HasPrefix(parts[1], g.ociOwner()+"/") {
			continue
		}
		for _, a := range strings.Split(parts[2], ",") {
			if (a == "pull" && tok.may("read:packages")) || (a == "push" && tok.may("write:packages")) {
				grant[parts[1]] = append(grant[parts[1]], a)
			}
		}
	}
	t := randomID()
	g.mu.Lock()
	g.regTokens[t] = grant
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"token": t})
}

// bearer checks a /v2 request's registry token for action on repo ("" for the
// ping): 401 with a challenge without one, 403 DENIED when it does not cover it.
func (g *GHCR) bearer(w http.ResponseWriter, r *http.Request, repo, action string) (ghcrGrant, bool) {
	scheme, t, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	g.mu.Lock()
	grant, ok := g.regTokens[t]
	g.mu.Unlock()
	if !strings.EqualFold(scheme, "bearer") || !ok {
		scope := ""
		if repo != "" {
			scope = "repository:" + repo + ":" + action
		}
		bearerChallenge(w, "https://"+g.Host()+"/token", ghcrService, scope)
		return nil, false
	}
	if repo != "" && !slices.Contains(grant[repo], action) {
		acrJSONError(w, http.StatusForbidden, "DENIED", "requested access to the resource is denied")
		return nil, false
	}
	return grant, true
}

// v2 serves /v2/OWNER/NAME/…: manifests (GET, HEAD, PUT), blobs (GET, HEAD and
// uploads) and tags/list, proxied to the backend's NAME once the token covers it.
func (g *GHCR) v2(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v2/")
	cut, kind := -1, ""
	for _, seg := range []string{"/manifests/", "/blobs/", "/tags/"} {
		if i := strings.LastIndex(rest, seg); i > cut {
			cut, kind = i, strings.Trim(seg, "/")
		}
	}
	if cut <= 0 {
		g.unknown(w, r)
		return
	}
	repo, tail := rest[:cut], rest[cut+1:]
	name, owned := strings.CutPrefix(repo, g.ociOwner()+"/")
	action := "pull"
	switch {
	case kind == "tags" && tail != "tags/list":
		g.unknown(w, r)
		return
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
	case r.Method == http.MethodDelete:
		g.fail("registrytest: the GHCR fake was sent DELETE %s: GHCR deletes through the Packages API only", r.URL.Path)
		acrJSONError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	case kind == "manifests" && r.Method == http.MethodPut, kind == "blobs" && strings.HasPrefix(tail, "blobs/uploads/"):
		action = "push"
	default:
		g.unknown(w, r)
		return
	}
	route := "/v2/{repo}/" + kind
	switch {
	case kind == "manifests":
		route += "/{ref}"
	case strings.HasPrefix(tail, "blobs/uploads/"):
		route += "/uploads/"
	case kind == "blobs":
		route += "/{digest}"
	default:
		route = "/v2/{repo}/tags/list"
	}
	g.note(r.Method, route)
	if _, ok := g.bearer(w, r, repo, action); !ok {
		return
	}
	if !owned {
		acrJSONError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	if kind == "manifests" && r.Method == http.MethodPut {
		ref := strings.TrimPrefix(tail, "manifests/")
		if old, err := g.backend.manifest(r.Context(), name, ref, http.MethodHead); err == nil {
			g.remember(name, old.digest) // a tag moved away leaves an untagged version
		}
		defer func() {
			if m, err := g.backend.manifest(r.Context(), name, ref, http.MethodHead); err == nil {
				g.remember(name, m.digest)
				g.lagging(name, m.digest)
			}
		}()
	}
	g.proxy(name, tail).ServeHTTP(w, r)
}

// lagging leaves a manifest just put out of the next listings (WithGHCRListingLag),
// unless it was a version already.
func (g *GHCR) lagging(repo, digest string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, known := g.ids[repo+"@"+digest]; g.lagN > 0 && !known {
		g.lag[repo+"@"+digest] = g.lagN
	}
}

// proxy sends a request on to the backend's /v2/name/tail and points the Location
// and Link of its answer back at the front's OWNER/name.
func (g *GHCR) proxy(name, tail string) http.Handler {
	backend := strings.TrimPrefix(g.backend.srv.URL(), "http://")
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", backend
			pr.Out.URL.Path, pr.Out.URL.RawPath = "/v2/"+name+"/"+tail, ""
			pr.Out.Host = backend
			pr.Out.Header.Del("Authorization")
			if u, p, ok := g.backend.srv.BasicAuth(); ok {
				pr.Out.SetBasicAuth(u, p)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			if l := resp.Header.Get("Location"); l != "" {
				resp.Header.Set("Location", g.toFront(l))
			}
			if l := resp.Header.Get("Link"); strings.HasPrefix(l, "<") && strings.Contains(l, ">") {
				i := strings.Index(l, ">")
				resp.Header.Set("Link", "<"+g.toFront(l[1:i])+l[i:])
			}
			return nil
		},
	}
}

// toFront turns a backend URL (absolute or relative) into the front's.
func (g *GHCR) toFront(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	if p, ok := strings.CutPrefix(u.Path, "/v2/"); ok && p != "" {
		u.Path, u.RawPath = "/v2/"+g.ociOwner()+"/"+p, ""
	}
	u.Scheme, u.Host = "https", g.Host()
	return u.String()
}
