package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The vendor fakes (ACR, GHCR, GitLab) read and change the images in their backend
// registry over the backend's /v2 API, as the vendors' services do with their own
// registries: backendAPI is that client.

// errNoSuch: the backend has no such repository, tag or manifest.
var errNoSuch = errors.New("not in the backend registry")

// backendAPI reads and changes a backend registry over its /v2 API (plain http on
// 127.0.0.1, with its basic credentials if it has any).
type backendAPI struct{ srv *Server }

// backendTag is a tag and the digest it points at.
type backendTag struct{ name, digest string }

// backendManifest is a manifest as the backend serves it.
type backendManifest struct {
	digest, mediaType string
	body              []byte
}

// manifestAccept is every manifest type the fakes read.
var manifestAccept = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json"}, ", ")

// do sends a request without a body; accept asks for every manifest type.
func (b backendAPI) do(ctx context.Context, method, path string, accept bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.srv.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	if accept {
		req.Header.Set("Accept", manifestAccept)
	}
	return b.roundTrip(req)
}

// send sends a request with a body (an upload).
func (b backendAPI) send(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return b.roundTrip(req)
}

func (b backendAPI) roundTrip(req *http.Request) (*http.Response, error) {
	if u, p, ok := b.srv.BasicAuth(); ok {
		req.SetBasicAuth(u, p)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// list follows the Link pages of a /v2 list (the catalog or tags/list) and returns
// the values under key; errNoSuch when the repository is unknown.
func (b backendAPI) list(ctx context.Context, path, key string) ([]string, error) {
	var all []string
	for next := path + "?n=1000"; next != ""; {
		resp, err := b.do(ctx, http.MethodGet, next, false)
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

// repositories lists the backend's catalog.
func (b backendAPI) repositories(ctx context.Context) ([]string, error) {
	return b.list(ctx, "/v2/_catalog", "repositories")
}

// tags lists a repository's tags with their digests; errNoSuch when the backend
// does not know the repository.
func (b backendAPI) tags(ctx context.Context, repo string) ([]backendTag, error) {
	names, err := b.list(ctx, "/v2/"+repo+"/tags/list", "tags")
	if err != nil {
		return nil, err
	}
	tags := make([]backendTag, 0, len(names))
	for _, n := range names {
		m, err := b.manifest(ctx, repo, n, http.MethodHead)
		if errors.Is(err, errNoSuch) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		tags = append(tags, backendTag{n, m.digest})
	}
	return tags, nil
}

// manifest reads repo's manifest ref (a tag or a digest) with GET or HEAD.
func (b backendAPI) manifest(ctx context.Context, repo, ref, method string) (backendManifest, error) {
	resp, err := b.do(ctx, method, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), true)
	if err != nil {
		return backendManifest{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return backendManifest{}, errNoSuch
	default:
		return backendManifest{}, fmt.Errorf("backend manifest %s:%s: HTTP %d", repo, ref, resp.StatusCode)
	}
	mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return backendManifest{digest: resp.Header.Get("Docker-Content-Digest"), mediaType: mt, body: body}, nil
}

// manifests reads the manifests of repo from these digests on, following an
// index's children, by digest; one deleted meanwhile is left out.
func (b backendAPI) manifests(ctx context.Context, repo string, queue []string) (map[string]backendManifest, error) {
	found := map[string]backendManifest{}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if _, ok := found[d]; ok {
			continue
		}
		m, err := b.manifest(ctx, repo, d, http.MethodGet)
		if errors.Is(err, errNoSuch) {
			continue // deleted
		}
		if err != nil {
			return nil, err
		}
		found[d] = m
		for _, ref := range parseManifest(m).refs {
			queue = append(queue, ref["digest"])
		}
	}
	return found, nil
}

// seenManifests is what a fake knows of the manifests the backend cannot list
// (it has no API for that): repo → digests, each seen as a tag's target, an
// index's child or a manifest a tag moved away from. Its owner guards it.
type seenManifests map[string]map[string]bool

// add notes digests of repo ("" is no digest).
func (s seenManifests) add(repo string, digests ...string) {
	if s[repo] == nil {
		s[repo] = map[string]bool{}
	}
	for _, d := range digests {
		if d != "" {
			s[repo][d] = true
		}
	}
}

// of returns the digests noted for repo, in no order.
func (s seenManifests) of(repo string) []string { return slices.Collect(maps.Keys(s[repo])) }

// delete sends DELETE /v2/{repo}/manifests/{ref}: distribution v3 removes a tag
// alone, or a manifest by digest with every tag on it.
func (b backendAPI) delete(ctx context.Context, repo, ref string) error {
	resp, err := b.do(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), false)
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
	sep := ":" // a tag; a digest has a colon of its own
	if strings.Contains(ref, ":") {
		sep = "@"
	}
	return fmt.Errorf("backend delete %s%s%s: HTTP %d", repo, sep, ref, resp.StatusCode)
}

// manifestInfo is what ACR's manifest attributes say about a manifest.
type manifestInfo struct {
	size            int64
	configMediaType string
	refs            []map[string]string // an index's children: digest, architecture, os
}

func parseManifest(m backendManifest) manifestInfo {
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
	info := manifestInfo{configMediaType: doc.Config.MediaType}
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
