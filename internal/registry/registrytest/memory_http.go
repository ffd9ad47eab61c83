package registrytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Limits of Memory's listings, distribution v3's defaults.
const (
	memMaxTags        = 1000 // tags.maxtags: a larger n is lowered to it
	memMaxCatalog     = 1000 // catalog.maxentries: a larger n is refused
	memDefaultCatalog = 100  // the catalog's page without n
)

// ServeHTTP answers the /v2 API (see Memory).
func (m *Memory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := r.URL.Path
	switch {
	case p == "/v2/" || p == "/v2":
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "{}")
	case p == "/v2/_catalog" && r.Method == http.MethodGet:
		m.catalog(w, r)
	case strings.HasSuffix(p, "/tags/list") && r.Method == http.MethodGet:
		m.tagsList(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/v2/"), "/tags/list"))
	case strings.Contains(p, "/manifests/"):
		repo, ref, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/manifests/")
		m.manifest(w, r, repo, ref)
	case strings.Contains(p, "/blobs/uploads"):
		repo, id, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/blobs/uploads")
		m.upload(w, r, repo, strings.Trim(id, "/"))
	case strings.Contains(p, "/blobs/"):
		repo, d, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/blobs/")
		m.blob(w, r, repo, d)
	default: // the referrers API among others: distribution v3 has none
		http.NotFound(w, r)
	}
}

func memError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

// pageSize reads n: -1 when absent.
func pageSize(r *http.Request) (int, bool) {
	s := r.URL.Query().Get("n")
	if s == "" {
		return -1, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

func writeList(w http.ResponseWriter, r *http.Request, n int, items []string, full bool, body map[string]any) {
	if full {
		v := url.Values{"n": {strconv.Itoa(n)}, "last": {items[len(items)-1]}}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, v.Encode()))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (m *Memory) catalog(w http.ResponseWriter, r *http.Request) {
	n, ok := pageSize(r)
	if !ok || n > memMaxCatalog {
		memError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
		return
	}
	if n < 0 {
		n = memDefaultCatalog
	}
	m.mu.RLock()
	names := make([]string, 0, len(m.repos))
	for name := range m.repos {
		names = append(names, name)
	}
	m.mu.RUnlock()
	sort.Strings(names)
	repos, full := page(names, r.URL.Query().Get("last"), n, func(string) bool { return true })
	writeList(w, r, n, repos, full, map[string]any{"repositories": repos})
}

func (m *Memory) tagsList(w http.ResponseWriter, r *http.Request, repo string) {
	n, ok := pageSize(r)
	if !ok {
		memError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
		return
	}
	n = min(n, memMaxTags)
	m.mu.Lock()
	rp, found := m.repos[repo]
	var tags []string
	var full bool
	if found {
		tags, full = rp.tagPage(r.URL.Query().Get("last"), n)
	}
	m.mu.Unlock()
	if !found {
		memError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	writeList(w, r, n, tags, full, map[string]any{"name": repo, "tags": tags})
}

func (m *Memory) manifest(w http.ResponseWriter, r *http.Request, repo, ref string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		m.mu.RLock()
		var mf memManifest
		var d string
		ok := false
		if rp, found := m.repos[repo]; found {
			d = ref
			if !strings.HasPrefix(ref, "sha256:") {
				d = rp.tags[ref]
			}
			mf, ok = rp.manifests[d]
		}
		m.mu.RUnlock()
		if ok && mf.mediaType == "application/vnd.oci.image.manifest.v1+json" && !accepts(r, mf.mediaType) {
			ok = false // distribution: "OCI manifest found, but accept header does not support OCI manifests"
		}
		if !ok {
			memError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.Header().Set("Content-Type", mf.mediaType)
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Content-Length", strconv.Itoa(len(mf.body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(mf.body)
		}
	case http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		d, err := m.PutManifest(repo, ref, r.Header.Get("Content-Type"), body)
		if err != nil {
			memError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
			return
		}
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Location", "/v2/"+repo+"/manifests/"+d)
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		m.mu.Lock()
		ok := false
		if rp, found := m.repos[repo]; found {
			ok = rp.deleteRef(ref)
		}
		m.mu.Unlock()
		if !ok {
			memError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		memError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the operation is unsupported")
	}
}

// accepts reports whether the request's Accept header admits mediaType; no
// header admits everything.
func accepts(r *http.Request, mediaType string) bool {
	values := r.Header.Values("Accept")
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			t, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			if t == mediaType || t == "*/*" {
				return true
			}
		}
	}
	return false
}

func (m *Memory) blob(w http.ResponseWriter, r *http.Request, repo, d string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		memError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the operation is unsupported")
		return
	}
	m.mu.RLock()
	rp, found := m.repos[repo]
	data, ok := m.blobs[d]
	ok = ok && found && rp.blobs[d]
	m.mu.RUnlock()
	if !ok {
		memError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", d)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// upload serves POST /blobs/uploads/ (monolithic with ?digest=, a mount, or a
// new session), PATCH and PUT of a session.
func (m *Memory) upload(w http.ResponseWriter, r *http.Request, repo, id string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	q := r.URL.Query()
	done := func(d string) {
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d)
		w.WriteHeader(http.StatusCreated)
	}
	switch {
	case r.Method == http.MethodPost && q.Get("mount") != "":
		m.mu.Lock()
		from, ok := m.repos[q.Get("from")]
		ok = ok && from.blobs[q.Get("mount")]
		if ok {
			m.repo(repo).blobs[q.Get("mount")] = true
		}
		m.mu.Unlock()
		if ok {
			done(q.Get("mount"))
			return
		}
		fallthrough
	case r.Method == http.MethodPost && q.Get("digest") == "":
		m.mu.Lock()
		m.nextID++
		id = strconv.Itoa(m.nextID)
		m.uploads[id] = body
		m.mu.Unlock()
		w.Header().Set("Location", "/v2/"+repo+"/blobs/uploads/"+id)
		w.Header().Set("Range", "0-0")
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost: // monolithic: the whole blob and its digest
		if DigestOf(body) != q.Get("digest") {
			memError(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
			return
		}
		done(m.PutBlob(repo, body))
	case r.Method == http.MethodPut, r.Method == http.MethodPatch:
		m.mu.Lock()
		data, ok := m.uploads[id]
		if ok {
			data = append(data, body...)
			m.uploads[id] = data
		}
		m.mu.Unlock()
		switch {
		case !ok:
			memError(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
		case r.Method == http.MethodPatch:
			w.Header().Set("Location", "/v2/"+repo+"/blobs/uploads/"+id)
			w.Header().Set("Range", fmt.Sprintf("0-%d", max(len(data)-1, 0)))
			w.WriteHeader(http.StatusAccepted)
		case DigestOf(data) != q.Get("digest"):
			memError(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		default:
			m.mu.Lock()
			delete(m.uploads, id)
			m.mu.Unlock()
			done(m.PutBlob(repo, data))
		}
	default:
		memError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the operation is unsupported")
	}
}
