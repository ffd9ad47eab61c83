package registrytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// backendTags lists a repository's tags; a repository the backend does not know
// has none (GitLab keeps a container repository whose tags are all gone).
func (g *GitLab) backendTags(ctx context.Context, repo string) ([]string, error) {
	tags, err := g.backend.list(ctx, "/v2/"+repo+"/tags/list", "tags")
	if err == errNoSuch {
		return nil, nil
	}
	return tags, err
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
	resp, err := g.backend.send(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", "", nil)
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
	resp, err = g.backend.send(ctx, http.MethodPut, loc.Path+"?"+q.Encode(), "application/octet-stream", config)
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
	resp, err = g.backend.send(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+url.PathEscape(tag), "application/vnd.docker.distribution.manifest.v2+json", manifest)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("backend put %s:%s: HTTP %d", repo, tag, resp.StatusCode)
	}
	return g.backend.delete(ctx, repo, resp.Header.Get("Docker-Content-Digest"))
}
