package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// put pushes the recorded manifest digest as repo:ref (a tag or the digest).
func (w *World) put(ctx context.Context, repo, ref, digest string) error {
	m := w.manifests[digest]
	resp, err := w.send(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+ref, m.body, m.mediaType)
	if err != nil {
		return err
	}
	if err := resp.ok(); err != nil {
		return err
	}
	if got := resp.header.Get("Docker-Content-Digest"); got != digest {
		return fmt.Errorf("restoring %s:%s: the registry says %s, want %s", repo, ref, got, digest)
	}
	return nil
}

// response is a whole answer of the registry.
type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func (r *response) ok() error {
	if r.status >= 300 {
		return fmt.Errorf("%s %s: %d %s", r.method, r.path, r.status, r.body)
	}
	return nil
}

func (r *response) decode(v any) error {
	if err := r.ok(); err != nil {
		return err
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	return nil
}

func (w *World) expect(ctx context.Context, method, path string, body []byte, contentType string) error {
	resp, err := w.send(ctx, method, path, body, contentType)
	if err != nil {
		return err
	}
	return resp.ok()
}

// send sends one request to the registry, directly, and reads the whole answer.
func (w *World) send(ctx context.Context, method, path string, body []byte, contentType string) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, method, w.reg.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptManifests)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return &response{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: b}, nil
}
