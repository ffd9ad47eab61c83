package registrytest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// serveRegistry routes the login server's requests.
func (a *ACR) serveRegistry(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/oauth2/exchange", p == "/oauth2/token":
		a.note(r.Method, p)
		if !a.throttled429(w) {
			map[string]http.HandlerFunc{"/oauth2/exchange": a.exchange, "/oauth2/token": a.token}[p](w, r)
		}
	case strings.HasPrefix(p, "/acr/v1/"):
		a.serveACRv1(w, r, strings.TrimPrefix(p, "/acr/v1/"))
	case strings.HasPrefix(p, "/v2/") && strings.Contains(p, "/manifests/"):
		repo, ref, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/manifests/")
		a.note(r.Method, "/v2/{repo}/manifests/{ref}")
		if !a.throttled429(w) {
			a.v2Manifest(w, r, repo, ref)
		}
	default:
		a.unknown(w, r)
	}
}

// throttled429 answers 429 when Throttle asked for it.
func (a *ACR) throttled429(w http.ResponseWriter) bool {
	retryAfter, throttled := a.takeThrottle()
	if !throttled {
		return false
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	acrJSONError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "too many requests: the registry's operations per minute were exceeded")
	return true
}

func (a *ACR) serveACRv1(w http.ResponseWriter, r *http.Request, rest string) {
	route, repo, ref := "/acr/v1/{repo}", rest, ""
	switch {
	case rest == "_catalog":
		route, repo = "/acr/v1/_catalog", ""
	case strings.Contains(rest, "/_tags"):
		i := strings.LastIndex(rest, "/_tags")
		repo, ref, route = rest[:i], strings.TrimPrefix(rest[i+len("/_tags"):], "/"), "/acr/v1/{repo}/_tags"
		if ref != "" {
			route += "/{tag}"
		}
	case strings.Contains(rest, "/_manifests"):
		i := strings.LastIndex(rest, "/_manifests")
		repo, ref, route = rest[:i], strings.TrimPrefix(rest[i+len("/_manifests"):], "/"), "/acr/v1/{repo}/_manifests"
		if ref != "" {
			route += "/{digest}"
		}
	}
	a.note(r.Method, route)
	if r.Method == http.MethodPatch {
		a.fail("registrytest: the ACR fake got %s %s: prsweep must never change attributes (unlock)", r.Method, r.URL.Path)
		acrJSONError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the fake does not change attributes")
		return
	}
	if a.throttled429(w) {
		return
	}
	switch {
	case route == "/acr/v1/_catalog" && r.Method == http.MethodGet:
		a.catalog(w, r)
	case route == "/acr/v1/{repo}" && r.Method == http.MethodGet:
		a.repository(w, r, repo)
	case route == "/acr/v1/{repo}/_tags" && r.Method == http.MethodGet:
		a.tags(w, r, repo)
	case route == "/acr/v1/{repo}/_tags/{tag}" && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		a.tag(w, r, repo, ref)
	case route == "/acr/v1/{repo}/_manifests" && r.Method == http.MethodGet:
		a.manifestsList(w, r, repo)
	case route == "/acr/v1/{repo}/_manifests/{digest}" && r.Method == http.MethodGet:
		a.manifestProps(w, r, repo, ref)
	default:
		a.unknown(w, r)
	}
}

func (a *ACR) catalog(w http.ResponseWriter, r *http.Request) {
	if !a.authorize(w, r, "registry", "catalog", "*") {
		return
	}
	repos, err := a.backend.repositories(r.Context())
	if err != nil {
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	slices.Sort(repos)
	page, last, ok := pageOf(w, r, repos, func(s string) string { return s })
	if !ok {
		return
	}
	if last != "" {
		w.Header().Set("Link", fmt.Sprintf(`</acr/v1/_catalog?last=%s&n=%s>; rel="next"`, url.QueryEscape(last), r.URL.Query().Get("n")))
	}
	writeJSON(w, http.StatusOK, map[string]any{"repositories": page})
}

func (a *ACR) repository(w http.ResponseWriter, r *http.Request, repo string) {
	if !a.authorize(w, r, "repository", repo, "metadata_read") {
		return
	}
	tags, ok := a.tagsOrError(w, r, repo)
	if !ok {
		return
	}
	digests := map[string]bool{}
	for _, t := range tags {
		digests[t.digest] = true
	}
	created := a.createdTime(repo).Format(time.RFC3339Nano)
	writeJSON(w, http.StatusOK, map[string]any{"registry": a.Host(), "imageName": repo,
		"createdTime": created, "lastUpdateTime": created, "manifestCount": len(digests), "tagCount": len(tags),
		"changeableAttributes": attrsJSON(a.attributes(repo))})
}

func (a *ACR) tags(w http.ResponseWriter, r *http.Request, repo string) {
	if !a.authorize(w, r, "repository", repo, "metadata_read") {
		return
	}
	all, ok := a.tagsOrError(w, r, repo)
	if !ok {
		return
	}
	q := r.URL.Query()
	var tags []backendTag
	for _, t := range all {
		if a.attributes(repo+":"+t.name).ListEnabled && (q.Get("digest") == "" || q.Get("digest") == t.digest) {
			tags = append(tags, t)
		}
	}
	orderby := q.Get("orderby")
	slices.SortFunc(tags, func(x, y backendTag) int {
		tx, ty := a.createdTime(repo+":"+x.name), a.createdTime(repo+":"+y.name)
		switch {
		case orderby == "timedesc" && !tx.Equal(ty):
			return ty.Compare(tx)
		case orderby == "timeasc" && !tx.Equal(ty):
			return tx.Compare(ty)
		}
		return strings.Compare(x.name, y.name)
	})
	page, last, ok := pageOf(w, r, tags, func(t backendTag) string { return t.name })
	if !ok {
		return
	}
	if last != "" {
		w.Header().Set("Link", fmt.Sprintf(`</acr/v1/%s/_tags?last=%s&n=%s&orderby=%s>; rel="next"`,
			repo, url.QueryEscape(last), q.Get("n"), url.QueryEscape(orderby)))
	}
	items := make([]map[string]any, 0, len(page))
	for _, t := range page {
		items = append(items, a.tagJSON(repo, t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"registry": a.Host(), "imageName": repo, "tags": items})
}

// tag serves GET (the tag's attributes) and DELETE (untag) of /acr/v1/{repo}/_tags/{tag}.
func (a *ACR) tag(w http.ResponseWriter, r *http.Request, repo, tag string) {
	action := map[string]string{http.MethodGet: "metadata_read", http.MethodDelete: "delete"}[r.Method]
	if !a.authorize(w, r, "repository", repo, action) {
		return
	}
	m, err := a.backend.manifest(r.Context(), repo, tag, http.MethodHead)
	switch {
	case errors.Is(err, errNoSuch):
		acrJSONError(w, http.StatusNotFound, "TAG_UNKNOWN", "the specified tag does not exist")
		return
	case err != nil:
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	case r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"registry": a.Host(), "imageName": repo, "tag": a.tagJSON(repo, backendTag{tag, m.digest})})
		return
	}
	if locked(a.attributes(repo), a.attributes(repo+":"+tag)) {
		disallowed(w)
		return
	}
	a.remember(repo, m.digest) // untagged, it stays in the manifest listing
	if err := a.backend.delete(r.Context(), repo, tag); err != nil {
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (a *ACR) manifestProps(w http.ResponseWriter, r *http.Request, repo, digest string) {
	if !a.authorize(w, r, "repository", repo, "metadata_read") {
		return
	}
	m, err := a.backend.manifest(r.Context(), repo, digest, http.MethodGet)
	if errors.Is(err, errNoSuch) || (err == nil && m.digest != digest) {
		acrJSONError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		return
	}
	tags, ok := a.tagsOrError(w, r, repo)
	if err != nil || !ok {
		if err != nil {
			acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		}
		return
	}
	names := []string{}
	for _, t := range tags {
		if t.digest == digest {
			names = append(names, t.name)
		}
	}
	slices.Sort(names)
	attrs := a.manifestJSON(repo, m, names)
	if info := parseManifest(m); info.refs != nil {
		attrs["references"] = info.refs
	}
	writeJSON(w, http.StatusOK, map[string]any{"registry": a.Host(), "imageName": repo, "manifest": attrs})
}

func (a *ACR) tagsOrError(w http.ResponseWriter, r *http.Request, repo string) ([]backendTag, bool) {
	tags, err := a.backend.tags(r.Context(), repo)
	switch {
	case errors.Is(err, errNoSuch):
		acrJSONError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return nil, false
	case err != nil:
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return nil, false
	}
	return tags, true
}

func (a *ACR) tagJSON(repo string, t backendTag) map[string]any {
	created := a.createdTime(repo + ":" + t.name).Format(time.RFC3339Nano)
	return map[string]any{"name": t.name, "digest": t.digest, "createdTime": created, "lastUpdateTime": created,
		"signed": false, "changeableAttributes": attrsJSON(a.attributes(repo + ":" + t.name))}
}

func attrsJSON(at ACRAttributes) map[string]bool {
	return map[string]bool{"deleteEnabled": at.DeleteEnabled, "writeEnabled": at.WriteEnabled,
		"readEnabled": at.ReadEnabled, "listEnabled": at.ListEnabled}
}

// locked: one of the attributes forbids deletion (writeEnabled false locks too).
func locked(attrs ...ACRAttributes) bool {
	for _, at := range attrs {
		if !at.DeleteEnabled || !at.WriteEnabled {
			return true
		}
	}
	return false
}

// disallowed is ACR's answer to a delete of something locked.
func disallowed(w http.ResponseWriter) {
	acrJSONError(w, http.StatusMethodNotAllowed, "REGISTRY_DISALLOWED_OPERATION",
		"The operation is disallowed on this registry, repository or image.")
}
