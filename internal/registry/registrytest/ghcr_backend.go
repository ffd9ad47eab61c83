package registrytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// backendAPI reads and changes a backend registry over its /v2 API (plain http on
// 127.0.0.1, with its basic credentials if it has any).
type backendAPI struct{ srv *Server }

func (b backendAPI) do(ctx context.Context, method, path string, accept bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.srv.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	if accept {
		req.Header.Set("Accept", strings.Join([]string{
			"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
			"application/vnd.docker.distribution.manifest.list.v2+json",
			"application/vnd.docker.distribution.manifest.v2+json"}, ", "))
	}
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

// manifest reads repo's manifest ref (a tag or a digest) with GET or HEAD.
func (b backendAPI) manifest(ctx context.Context, repo, ref, method string) (acrManifest, error) {
	resp, err := b.do(ctx, method, "/v2/"+repo+"/manifests/"+url.PathEscape(ref), true)
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

// delete sends DELETE /v2/{repo}/manifests/{digest}: the manifest goes with every
// tag on it.
func (b backendAPI) delete(ctx context.Context, repo, digest string) error {
	resp, err := b.do(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+url.PathEscape(digest), false)
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
	return fmt.Errorf("backend delete %s@%s: HTTP %d", repo, digest, resp.StatusCode)
}
