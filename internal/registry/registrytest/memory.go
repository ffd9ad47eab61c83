package registrytest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
)

// KindMemory is NewMemory's registry: in-memory, built for a million tags.
const KindMemory Kind = "memory"

// Memory is a small in-memory registry for benchmarks at a scale distribution v3
// cannot be seeded to (a million tags): a few hundred bytes per manifest, seeded
// without HTTP. It answers what prsweep asks the way distribution v3 does:
//
//   - DELETE /v2/<repo>/manifests/<tag> removes that tag alone (202); by digest it
//     removes the manifest and every tag of the repository on it;
//   - GET /v2/_catalog and /v2/<repo>/tags/list page with n and last, in byte
//     order, and send a Link header after every full page (so a listing of 2×n
//     entries ends with an empty page); n is capped at 1000 for tags, and above
//     1000 is refused for the catalog (400 PAGINATION_NUMBER_INVALID); without n
//     tags/list answers every tag, the catalog 100 repositories;
//   - manifests by tag or digest (HEAD, GET, PUT); an OCI image manifest asked
//     for with an Accept header that does not list its type is 404, as on v3;
//     a manifest whose blobs or children are missing is refused;
//   - blobs (HEAD, GET, uploads: monolithic, or POST then PATCH/PUT, and
//     cross-repository mounts) stored once for all repositories;
//   - no referrers API (404), like v3.
//
// It is not a model of anything else (no auth, no garbage collection).
type Memory struct {
	mu      sync.RWMutex
	repos   map[string]*memRepo
	blobs   map[string][]byte // digest → content, shared by every repository
	uploads map[string][]byte // upload id → bytes so far
	nextID  int
}

type memRepo struct {
	tags      map[string]string // tag → digest
	names     []string          // tag names in byte order; may hold deleted ones (not in tags)
	sorted    bool              // names is sorted and holds every tag
	manifests map[string]memManifest
	blobs     map[string]bool // linked into this repository
}

type memManifest struct {
	mediaType string
	body      []byte
}

// NewMemory starts the registry on 127.0.0.1 and returns it as a Server (Close
// stops it) and as a Memory to seed and inspect directly.
func NewMemory() (*Server, *Memory) {
	m := NewMemoryStore()
	srv := httptest.NewServer(m)
	return &Server{kind: KindMemory, host: strings.TrimPrefix(srv.URL, "http://"),
		stop: func() error { srv.Close(); return nil }}, m
}

// NewMemoryStore returns the registry without a server: an http.Handler for a
// server of the caller's.
func NewMemoryStore() *Memory {
	return &Memory{repos: map[string]*memRepo{}, blobs: map[string][]byte{}, uploads: map[string][]byte{}}
}

// DigestOf returns the sha256 digest of b, "sha256:<hex>".
func DigestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// PutBlob stores a blob in repo and returns its digest.
func (m *Memory) PutBlob(repo string, data []byte) string {
	d := DigestOf(data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[d]; !ok {
		m.blobs[d] = slices.Clone(data)
	}
	m.repo(repo).blobs[d] = true
	return d
}

// PutManifest stores a manifest in repo under ref (a tag, or its digest) and
// returns its digest. A manifest whose blobs or children repo lacks is refused.
// The registry keeps body (a million manifests are not copied): the caller must
// not change it.
func (m *Memory) PutManifest(repo, ref, mediaType string, body []byte) (string, error) {
	d := DigestOf(body)
	if strings.HasPrefix(ref, "sha256:") && ref != d {
		return "", fmt.Errorf("putting %s@%s: the body's digest is %s", repo, ref, d)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.repo(repo)
	if missing := r.missing(body); missing != "" {
		return "", fmt.Errorf("putting %s:%s: %w %s", repo, ref, errMemUnknown, missing)
	}
	r.manifests[d] = memManifest{mediaType: mediaType, body: body}
	if !strings.HasPrefix(ref, "sha256:") {
		if _, had := r.tags[ref]; !had {
			r.names = append(r.names, ref)
			r.sorted = false
		}
		r.tags[ref] = d
	}
	return d, nil
}

var errMemUnknown = errors.New("the repository lacks")

// missing names a blob or child manifest body refers to that r does not hold.
func (r *memRepo) missing(body []byte) string {
	var doc struct {
		Config    *struct{ Digest string }  `json:"config"`
		Layers    []struct{ Digest string } `json:"layers"`
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "a readable manifest"
	}
	if doc.Config != nil && !r.blobs[doc.Config.Digest] {
		return "blob " + doc.Config.Digest
	}
	for _, l := range doc.Layers {
		if !r.blobs[l.Digest] {
			return "blob " + l.Digest
		}
	}
	for _, c := range doc.Manifests {
		if _, ok := r.manifests[c.Digest]; !ok {
			return "manifest " + c.Digest
		}
	}
	return ""
}

// Tags returns repo's tags and their digests (nil when repo does not exist).
func (m *Memory) Tags(repo string) map[string]string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.repos[repo]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(r.tags))
	for t, d := range r.tags {
		out[t] = d
	}
	return out
}

// HasManifest reports whether repo holds the manifest digest.
func (m *Memory) HasManifest(repo, digest string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.repos[repo]
	if !ok {
		return false
	}
	_, ok = r.manifests[digest]
	return ok
}

// repo returns repo, created when missing; m.mu is held for writing.
func (m *Memory) repo(name string) *memRepo {
	r, ok := m.repos[name]
	if !ok {
		r = &memRepo{tags: map[string]string{}, manifests: map[string]memManifest{}, blobs: map[string]bool{}, sorted: true}
		m.repos[name] = r
	}
	return r
}

// page returns up to n names after last (n < 0: all) from sorted, and whether
// the page was full, which is when distribution sends a Link.
func page(sorted []string, last string, n int, keep func(string) bool) (out []string, full bool) {
	i := sort.SearchStrings(sorted, last)
	if last != "" && i < len(sorted) && sorted[i] == last {
		i++
	}
	out = []string{}
	for ; i < len(sorted) && (n < 0 || len(out) < n); i++ {
		if keep(sorted[i]) {
			out = append(out, sorted[i])
		}
	}
	return out, n > 0 && len(out) == n
}

// tagPage is page over r's tags; m.mu is held for writing (it may sort).
func (r *memRepo) tagPage(last string, n int) ([]string, bool) {
	if !r.sorted || len(r.names) > 2*len(r.tags)+64 {
		r.names = r.names[:0]
		for t := range r.tags {
			r.names = append(r.names, t)
		}
		sort.Strings(r.names)
		r.sorted = true
	}
	return page(r.names, last, n, func(t string) bool { _, ok := r.tags[t]; return ok })
}

// deleteRef removes a tag alone, or a manifest and every tag on it; false when
// there is no such tag or manifest.
func (r *memRepo) deleteRef(ref string) bool {
	if !strings.HasPrefix(ref, "sha256:") {
		_, ok := r.tags[ref]
		delete(r.tags, ref)
		return ok
	}
	if _, ok := r.manifests[ref]; !ok {
		return false
	}
	delete(r.manifests, ref)
	for t, d := range r.tags {
		if d == ref {
			delete(r.tags, t)
		}
	}
	return true
}
