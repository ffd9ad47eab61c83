package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The GitLab fake reads and changes the images in its backend registry over the
// backend's /v2 API, as GitLab Rails does with its registry.

// glManifest is a manifest as the backend serves it.
type glManifest struct {
	digest, mediaType string
	body              []byte
}

func (g *GitLab) backendDo(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.backend.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.docker.distribution.manifest.v2+json"}, ", "))
	if u, p, ok := g.backend.BasicAuth(); ok {
		req.SetBasicAuth(u, p)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// backendList follows the Link pages of a /v2 list and returns the values under key.
func (g *GitLab) backendList(ctx context.Context, path, key string) ([]string, error) {
	var all []string
	for next := path + "?n=1000"; next != ""; {
		resp, err := g.backendDo(ctx, http.MethodGet, next)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, errNoSuch
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("backend %s: HTTP %d", path, resp.StatusCode)
		}
		var page map[string]json.RawMessage
		var values []string
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("backend %s: %w", path, err)
		}
		if v, ok := page[key]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, &values); err != nil {
				return nil, fmt.Errorf("backend %s: %w", path, err)
			}
		}
		all = append(all, values...)
		next = ""
		if l := resp.Header.Get("Link"); strings.HasPrefix(l, "<") && strings.Contains(l, ">") {
			next = l[1:strings.Index(l, ">")]
		}
	}
	return all, nil
}

func (g *GitLab) backendRepositories(ctx context.Context) ([]string, error) {
	return g.backendList(ctx, "/v2/_catalog", "repositories")
}

// backendTags lists a repository's tags; a repository the backend does not know
// has none (GitLab keeps a container repository whose tags are all gone).
func (g *GitLab) backendTags(ctx context.Context, repo string) ([]string, error) {
	tags, err := g.backendList(ctx, "/v2/"+repo+"/tags/list", "tags")
	if err == errNoSuch {
		return nil, nil
	}
	return tags, err
}

func (g *GitLab) backendManifest(ctx context.Context, repo, ref string) (glManifest, error) {
	resp, err := g.backendDo(ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+url.PathEscape(ref))
	if err != nil {
		return glManifest{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return glManifest{}, errNoSuch
	default:
		return glManifest{}, fmt.Errorf("backend manifest %s:%s: HTTP %d", repo, ref, resp.StatusCode)
	}
	mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return glManifest{digest: resp.Header.Get("Docker-Content-Digest"), mediaType: mt, body: body}, nil
}

// backendDeleteTag sends the registry's DELETE of a tag (which removes the tag
// alone) or of a digest.
func (g *GitLab) backendDeleteTag(ctx context.Context, repo, tag string) error {
	resp, err := g.backendDo(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+url.PathEscape(tag))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("backend delete %s:%s: HTTP %d", repo, tag, resp.StatusCode)
	}
	return nil
}

// configDigest returns the config digest of an image manifest ("" for an index).
func configDigest(body []byte) string {
	var doc struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	_ = json.Unmarshal(body, &doc)
	return doc.Config.Digest
}

// glPage is the slice of a listing one offset page holds.
type glPage struct{ start, end int }

// perPage reads per_page: 20 by default, at most 100 (GitLab's limits).
func perPage(w http.ResponseWriter, r *http.Request) (int, bool) {
	n := 20
	if s := r.URL.Query().Get("per_page"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			glMessage(w, http.StatusBadRequest, "400 Bad request - per_page is invalid")
			return 0, false
		}
		n = min(max(v, 1), 100)
	}
	return n, true
}

// offsetPage picks page (from 1) of total items and sets GitLab's pagination
// headers: X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page and
// Link (first, last, next, prev).
func (g *GitLab) offsetPage(w http.ResponseWriter, r *http.Request, total int) (glPage, bool) {
	n, ok := perPage(w, r)
	if !ok {
		return glPage{}, false
	}
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			glMessage(w, http.StatusBadRequest, "400 Bad request - page is invalid")
			return glPage{}, false
		}
		page = max(v, 1)
	}
	pages := max((total+n-1)/n, 1)
	start := min((page-1)*n, total)
	end := min(start+n, total)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(n))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	link := func(p int, rel string) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(n))
		return "<" + g.api.URL + r.URL.EscapedPath() + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	links := []string{}
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, link(page-1, "prev"))
	}
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(1, "first"), link(pages, "last"))
	if !g.noLink {
		h.Set("Link", strings.Join(links, ", "))
	}
	return glPage{start, end}, true
}

// backendDeleteTagByDummy deletes a tag as GitLab does on a registry without tag
// delete: it uploads the config blob {"config":{}} and a Docker manifest naming it
// (ContainerRegistry::Client#generate_empty_manifest), puts that under the tag
// (put_tag), and deletes the dummy by digest, which takes the tag and nothing else.
func (g *GitLab) backendDeleteTagByDummy(ctx context.Context, repo, tag string) error {
	config := []byte("{\n  \"config\": {\n  }\n}")
	cd := DigestOf(config)
	// upload_blob: POST an upload, then PUT the blob with its digest.
	resp, err := g.backendSend(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusAccepted || err != nil {
		return fmt.Errorf("backend blob upload %s: HTTP %d", repo, resp.StatusCode)
	}
	q := loc.Query()
	q.Set("digest", cd)
	resp, err = g.backendSend(ctx, http.MethodPut, loc.Path+"?"+q.Encode(), "application/octet-stream", config)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("backend blob upload %s: HTTP %d", repo, resp.StatusCode)
	}
	manifest, _ := json.Marshal(map[string]any{"schemaVersion": 2,
		"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
		"config":    map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": cd}})
	resp, err = g.backendSend(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+url.PathEscape(tag), "application/vnd.docker.distribution.manifest.v2+json", manifest)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("backend put %s:%s: HTTP %d", repo, tag, resp.StatusCode)
	}
	return g.backendDeleteTag(ctx, repo, resp.Header.Get("Docker-Content-Digest"))
}

func (g *GitLab) backendSend(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.backend.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if u, p, ok := g.backend.BasicAuth(); ok {
		req.SetBasicAuth(u, p)
	}
	return http.DefaultTransport.RoundTrip(req)
}
