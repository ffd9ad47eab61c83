package registrytest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// v2Manifest serves /v2/{repo}/manifests/{ref}: GET and HEAD from the backend,
// and DELETE the way ACR documents it: by digest or by tag, it deletes the
// manifest and every tag that points at it, unless something is locked.
func (a *ACR) v2Manifest(w http.ResponseWriter, r *http.Request, repo, ref string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !a.authorize(w, r, "repository", repo, "pull") {
			return
		}
		m, err := a.backend.manifest(r.Context(), repo, ref, http.MethodGet)
		switch {
		case errors.Is(err, errNoSuch):
			acrJSONError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		case err != nil:
			acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		default:
			w.Header().Set("Content-Type", m.mediaType)
			w.Header().Set("Docker-Content-Digest", m.digest)
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_, _ = w.Write(m.body)
			}
		}
	case http.MethodDelete:
		if a.authorize(w, r, "repository", repo, "delete") {
			a.deleteManifest(w, r, repo, ref)
		}
	case http.MethodPut:
		if a.authorize(w, r, "repository", repo, "push") {
			a.putManifest(w, r, repo, ref)
		}
	default:
		a.unknown(w, r)
	}
}

// putManifest uploads a manifest to the backend, unless the repository or the
// tag it would move is write-locked.
func (a *ACR) putManifest(w http.ResponseWriter, r *http.Request, repo, ref string) {
	if !a.attributes(repo).WriteEnabled || !a.attributes(repo+":"+ref).WriteEnabled {
		disallowed(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		acrJSONError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
		return
	}
	if old, err := a.backend.manifest(r.Context(), repo, ref, http.MethodHead); err == nil {
		a.remember(repo, old.digest) // a tag moved away leaves its manifest untagged, still listed
	}
	resp, err := a.backend.send(r.Context(), http.MethodPut, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), r.Header.Get("Content-Type"), body)
	if err != nil {
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	defer resp.Body.Close()
	a.remember(repo, resp.Header.Get("Docker-Content-Digest"))
	answer, _ := io.ReadAll(resp.Body)
	for _, h := range []string{"Content-Type", "Docker-Content-Digest", "Location"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

func (a *ACR) deleteManifest(w http.ResponseWriter, r *http.Request, repo, ref string) {
	m, err := a.backend.manifest(r.Context(), repo, ref, http.MethodHead)
	if errors.Is(err, errNoSuch) {
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
	guards := []ACRAttributes{a.attributes(repo), a.attributes(repo + "@" + m.digest)}
	for _, t := range tags {
		if t.digest == m.digest {
			guards = append(guards, a.attributes(repo+":"+t.name))
		}
	}
	if locked(guards...) {
		disallowed(w)
		return
	}
	if err := a.backend.delete(r.Context(), repo, m.digest); err != nil {
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, "")
}

// acrMaxPage is the most items ACR gives a page: a larger n gets 1,000 and a Link
// (https://github.com/Azure/acr/issues/749).
const acrMaxPage = 1000

// pageOf returns the page after the item named last (n items, default 100, at most
// acrMaxPage) and, when more follow, the name of the page's last item.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T, name func(T) string) (page []T, next string, ok bool) {
	q := r.URL.Query()
	n := 100
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			acrJSONError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
			return nil, "", false
		}
		n = min(v, acrMaxPage)
	}
	start := 0
	if last := q.Get("last"); last != "" {
		// After the item named last; if it is gone, after the names that sort before it.
		start = slices.IndexFunc(items, func(it T) bool { return name(it) > last })
		if i := slices.IndexFunc(items, func(it T) bool { return name(it) == last }); i >= 0 {
			start = i + 1
		}
		if start < 0 {
			start = len(items)
		}
	}
	end := min(start+n, len(items))
	page = items[start:end]
	if end < len(items) {
		next = name(items[end-1])
	}
	return page, next, true
}
