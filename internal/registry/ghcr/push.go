package ghcr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/prsweep/prsweep/internal/registry"
)

// A retag writes to the registry: the throwaway's config blob, once per package,
// and the throwaway manifest. Both go through one push session per package: the
// registry pinged once per Client, one registry token per package for push and
// pull. (go-containerregistry's remote.WriteLayer pinged and signed in on every
// call, and concurrent retags in a package each uploaded the blob.)

// pushes is the Client's push sessions and uploads, per package.
type pushes struct {
	ping     onceValue[*transport.Challenge]
	sessions onceMap[http.RoundTripper] // repo → its authorised transport
	uploads  onceMap[struct{}]          // repo → the throwaway config is there
}

// pushTransport returns repo's push session, opening it on first use.
func (c *Client) pushTransport(ctx context.Context, repo string) (http.RoundTripper, error) {
	return c.pushes.sessions.get(repo, func() (http.RoundTripper, error) {
		reg, err := name.NewRegistry(c.host, name.StrictValidation)
		if err != nil {
			return nil, fmt.Errorf("parsing registry host %q: %w", c.host, err)
		}
		rt := httpsOnly{c.ociRT}
		ch, err := c.pushes.ping.get(func() (*transport.Challenge, error) {
			return transport.Ping(ctx, reg, rt)
		})
		if err != nil {
			return nil, fmt.Errorf("reaching %s: %w", c.host, err)
		}
		auth := authn.FromConfig(authn.AuthConfig{Username: c.username, Password: c.token})
		scope := "repository:" + c.ociRepo(repo) + ":push,pull"
		tok, err := transport.Exchange(ctx, reg, auth, rt, []string{scope}, ch)
		if err != nil {
			return nil, fmt.Errorf("signing in to %s for %s: %w", c.host, scope, err)
		}
		return transport.FromToken(reg, auth, rewinding{rt}, ch, tok)
	})
}

// uploadConfig uploads the throwaway config blob to repo, once per Client; calls
// for the same package wait for the first. It asks for a one-request upload (POST
// with the digest and the bytes), and finishes with a PUT where the registry
// answers 202 instead (the OCI spec's required flow).
func (c *Client) uploadConfig(ctx context.Context, repo string) error {
	_, err := c.pushes.uploads.get(repo, func() (struct{}, error) {
		rt, err := c.pushTransport(ctx, repo)
		if err != nil {
			return struct{}{}, err
		}
		sum := sha256.Sum256(throwawayConfig)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		u := "https://" + c.host + "/v2/" + c.ociRepo(repo) + "/blobs/uploads/?digest=" + url.QueryEscape(digest)
		resp, err := c.send(ctx, rt, http.MethodPost, u, throwawayConfig, "application/octet-stream")
		if err != nil {
			return struct{}{}, err
		}
		switch resp.StatusCode {
		case http.StatusCreated:
			return struct{}{}, nil
		case http.StatusAccepted:
		default:
			return struct{}{}, statusError("POST blob upload", resp)
		}
		loc, err := resp.Location()
		if err != nil {
			return struct{}{}, fmt.Errorf("POST blob upload: no upload location: %w", err)
		}
		q := loc.Query()
		q.Set("digest", digest)
		loc.RawQuery = q.Encode()
		resp, err = c.send(ctx, rt, http.MethodPut, loc.String(), throwawayConfig, "application/octet-stream")
		if err != nil {
			return struct{}{}, err
		}
		if resp.StatusCode != http.StatusCreated {
			return struct{}{}, statusError("PUT blob upload", resp)
		}
		return struct{}{}, nil
	})
	return err
}

// putThrowaway puts raw under repo:tag through repo's push session.
func (c *Client) putThrowaway(ctx context.Context, repo, tag string, raw []byte) error {
	rt, err := c.pushTransport(ctx, repo)
	if err != nil {
		return err
	}
	u := "https://" + c.host + "/v2/" + c.ociRepo(repo) + "/manifests/" + url.PathEscape(tag)
	resp, err := c.send(ctx, rt, http.MethodPut, u, raw, registry.MediaTypeOCIManifest)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return statusError("PUT manifest", resp)
	}
	return nil
}

// send sends one request with body and returns its answer, the body read (up to
// 64 KiB, for an error's message) and closed.
func (c *Client) send(ctx context.Context, rt http.RoundTripper, method, u string, body []byte, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.Header.Set("Content-Type", contentType)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, redactedString(u), unwrapURLError(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = io.NopCloser(bytes.NewReader(msg))
	return resp, nil
}

// statusError maps a registry's refusal onto registry's sentinels.
func statusError(what string, resp *http.Response) error {
	msg, _ := io.ReadAll(resp.Body)
	detail := fmt.Sprintf("%s: HTTP %d %s", what, resp.StatusCode, oneLine(string(msg)))
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (%s)", registry.ErrUnauthorized, detail)
	case http.StatusNotFound:
		return fmt.Errorf("%w (%s)", registry.ErrNotFound, detail)
	}
	return fmt.Errorf("the registry refused it (%s)", detail)
}
