package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The ACR fake reads and changes the images in its backend registry over the
// backend's /v2 API (plain http on 127.0.0.1, no credentials unless WithBasicAuth).

// errNoSuch: the backend has no such repository, tag or manifest.
var errNoSuch = errors.New("not in the backend registry")

// acrTag is a tag and the digest it points at.
type acrTag struct{ name, digest string }

// acrManifest is a manifest as the backend serves it.
type acrManifest struct {
	digest, mediaType string
	body              []byte
}

// backendSend sends a request with a body (a manifest upload).
func (a *ACR) backendSend(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.backend.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if u, p, ok := a.backend.BasicAuth(); ok {
		req.SetBasicAuth(u, p)
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (a *ACR) backendDo(ctx context.Context, method, path string, accept bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.backend.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	if accept {
		req.Header.Set("Accept", strings.Join([]string{
			"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
			"application/vnd.docker.distribution.manifest.list.v2+json",
			"application/vnd.docker.distribution.manifest.v2+json"}, ", "))
	}
	if u, p, ok := a.backend.BasicAuth(); ok {
		req.SetBasicAuth(u, p)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// backendList follows the Link pages of a /v2 list (the catalog or tags/list) and
// returns the values under key.
func (a *ACR) backendList(ctx context.Context, path, key string) ([]string, error) {
	var all []string
	for next := path + "?n=1000"; next != ""; {
		resp, err := a.backendDo(ctx, http.MethodGet, next, false)
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

func (a *ACR) repositories(ctx context.Context) ([]string, error) {
	return a.backendList(ctx, "/v2/_catalog", "repositories")
}

// repoTags lists a repository's tags with their digests.
func (a *ACR) repoTags(ctx context.Context, repo string) ([]acrTag, error) {
	names, err := a.backendList(ctx, "/v2/"+repo+"/tags/list", "tags")
	if err != nil {
		return nil, err
	}
	tags := make([]acrTag, 0, len(names))
	for _, n := range names {
		m, err := a.manifest(ctx, repo, n, http.MethodHead)
		if errors.Is(err, errNoSuch) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		tags = append(tags, acrTag{n, m.digest})
	}
	return tags, nil
}

// manifest reads repo's manifest ref (a tag or a digest) with GET or HEAD.
func (a *ACR) manifest(ctx context.Context, repo, ref, method string) (acrManifest, error) {
	resp, err := a.backendDo(ctx, method, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), true)
	if err != nil {
		return acrManifest{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return acrManifest{}, errNoSuch
	default:
		return acrManifest{}, fmt.Errorf("backend manifest %s:%s: HTTP %d", repo, ref, resp.StatusCode)
	}
	mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return acrManifest{digest: resp.Header.Get("Docker-Content-Digest"), mediaType: mt, body: body}, nil
}

// backendDelete sends DELETE /v2/{repo}/manifests/{ref}: distribution v3 removes a
// tag alone, or a manifest with every tag on it.
func (a *ACR) backendDelete(ctx context.Context, repo, ref string) error {
	resp, err := a.backendDo(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), false)
	if err != nil {
		return err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted:
		return nil
	case http.StatusNotFound:
		return errNoSuch
	}
	return fmt.Errorf("backend delete %s:%s: HTTP %d", repo, ref, resp.StatusCode)
}

// acrManifestInfo is what ACR's manifest attributes say about a manifest.
type acrManifestInfo struct {
	size            int64
	configMediaType string
	refs            []map[string]string // an index's children: digest, architecture, os
}

func parseManifest(m acrManifest) acrManifestInfo {
	var doc struct {
		Config struct {
			MediaType string `json:"mediaType"`
			Size      int64  `json:"size"`
		} `json:"config"`
		Layers []struct {
			Size int64 `json:"size"`
		} `json:"layers"`
		Manifests []struct {
			Digest   string `json:"digest"`
			Platform struct {
				Architecture string `json:"architecture"`
				OS           string `json:"os"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	_ = json.Unmarshal(m.body, &doc)
	info := acrManifestInfo{configMediaType: doc.Config.MediaType}
	if len(doc.Manifests) > 0 {
		info.size = int64(len(m.body))
		for _, c := range doc.Manifests {
			info.refs = append(info.refs, map[string]string{"digest": c.Digest,
				"architecture": c.Platform.Architecture, "os": c.Platform.OS})
		}
		return info
	}
	// An image's size is what it stores: its config and its layers.
	info.size = doc.Config.Size
	for _, l := range doc.Layers {
		info.size += l.Size
	}
	return info
}
