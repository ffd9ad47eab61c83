package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// seedConcurrency is how many seeding requests run at once.
const seedConcurrency = 8

// seedHTTP writes ds into the registry at base (http://host) around the meters:
// each repository's two blobs, the children of its indexes by digest, then every
// tag with one manifest PUT (a registry takes a tag's manifest with its tag).
func seedHTTP(ctx context.Context, base string, ds *Dataset) error {
	c := newClient(seedConcurrency)
	defer c.CloseIdleConnections()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedConcurrency)
	for _, r := range ds.Repos {
		g.Go(func() error {
			for _, b := range r.Blobs {
				if err := uploadBlob(gctx, c, base, r.Name, b); err != nil {
					return err
				}
			}
			byDigest := manifestsOf(r)
			for _, m := range r.Manifests {
				for _, d := range m.Children {
					if err := putManifest(gctx, c, base, r.Name, d, byDigest[d]); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(seedConcurrency)
	for _, r := range ds.Repos {
		byDigest := manifestsOf(r)
		for _, t := range r.Tags {
			g.Go(func() error { return putManifest(gctx, c, base, r.Name, t.Name, byDigest[t.Digest]) })
		}
	}
	return g.Wait()
}

func manifestsOf(r Repo) map[string]Manifest {
	out := make(map[string]Manifest, len(r.Manifests))
	for _, m := range r.Manifests {
		out[m.Digest] = m
	}
	return out
}

// newClient returns a client with room for n idle connections to a host.
func newClient(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 2*n, 2*n
	return &http.Client{Transport: tr}
}

// uploadBlob uploads a blob with POST then PUT, which every registry takes.
func uploadBlob(ctx context.Context, c *http.Client, base, repo string, b []byte) error {
	resp, err := send(ctx, c, http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		return fmt.Errorf("seeding %s: starting a blob upload: %w", repo, err)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("seeding %s: starting a blob upload: HTTP %d, location %q", repo, resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(base)
	u = u.ResolveReference(loc)
	q := u.Query()
	q.Set("digest", registrytest.DigestOf(b))
	u.RawQuery = q.Encode()
	if resp, err = send(ctx, c, http.MethodPut, u.String(), "application/octet-stream", b); err != nil {
		return fmt.Errorf("seeding %s: uploading a blob: %w", repo, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("seeding %s: uploading a blob: HTTP %d", repo, resp.StatusCode)
	}
	return nil
}

func putManifest(ctx context.Context, c *http.Client, base, repo, ref string, m Manifest) error {
	resp, err := send(ctx, c, http.MethodPut, base+"/v2/"+repo+"/manifests/"+ref, m.MediaType, m.Body)
	if err != nil {
		return fmt.Errorf("seeding %s:%s: %w", repo, ref, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("seeding %s:%s: HTTP %d", repo, ref, resp.StatusCode)
	}
	return nil
}

// send sends a request and returns the answer with its body read and closed.
func send(ctx context.Context, c *http.Client, method, u, contentType string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == http.MethodGet || method == http.MethodHead {
		req.Header.Set("Accept", acceptManifests)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// seedMemory writes ds into the memory registry directly.
func seedMemory(mem *registrytest.Memory, ds *Dataset) error {
	for _, r := range ds.Repos {
		for _, b := range r.Blobs {
			mem.PutBlob(r.Name, b)
		}
		byDigest := manifestsOf(r)
		for _, m := range r.Manifests {
			for _, d := range m.Children {
				if _, err := mem.PutManifest(r.Name, d, byDigest[d].MediaType, byDigest[d].Body); err != nil {
					return err
				}
			}
		}
		for _, t := range r.Tags {
			m := byDigest[t.Digest]
			if _, err := mem.PutManifest(r.Name, t.Name, m.MediaType, m.Body); err != nil {
				return err
			}
		}
	}
	return nil
}

// httpReader reads a distribution registry at base directly.
type httpReader struct {
	base string
	c    *http.Client
}

func (h httpReader) tags(ctx context.Context, repo string) (map[string]string, error) {
	var names []string
	for next := "/v2/" + repo + "/tags/list"; next != ""; {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+next, nil)
		if err != nil {
			return nil, err
		}
		resp, err := h.c.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct{ Tags []string }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, fmt.Errorf("listing the tags of %s: HTTP %d (%v)", repo, resp.StatusCode, err)
		}
		names = append(names, page.Tags...)
		next = ""
		if l := resp.Header.Get("Link"); strings.HasPrefix(l, "<") && strings.Contains(l, ">") {
			next = l[1:strings.Index(l, ">")]
		}
	}
	out := make(map[string]string, len(names))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedConcurrency)
	for _, t := range names {
		g.Go(func() error {
			resp, err := send(gctx, h.c, http.MethodHead, h.base+"/v2/"+repo+"/manifests/"+t, "", nil)
			if err != nil {
				return err
			}
			if resp.StatusCode == http.StatusOK {
				mu.Lock()
				out[t] = resp.Header.Get("Docker-Content-Digest")
				mu.Unlock()
			}
			return nil
		})
	}
	return out, g.Wait()
}

func (h httpReader) hasManifest(ctx context.Context, repo, digest string) (bool, error) {
	resp, err := send(ctx, h.c, http.MethodHead, h.base+"/v2/"+repo+"/manifests/"+digest, "", nil)
	if err != nil {
		return false, err
	}
	return resp.StatusCode == http.StatusOK, nil
}

// memReader reads the memory registry directly.
type memReader struct{ m *registrytest.Memory }

func (r memReader) tags(_ context.Context, repo string) (map[string]string, error) {
	return r.m.Tags(repo), nil
}

func (r memReader) hasManifest(_ context.Context, repo, digest string) (bool, error) {
	return r.m.HasManifest(repo, digest), nil
}
