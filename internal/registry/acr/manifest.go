package acr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/containers/azcontainerregistry"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ManifestStore = (*Client)(nil)

// maxManifest bounds the manifest body read (the OCI spec asks registries to accept 4 MiB).
const maxManifest = 4 << 20

// accept names all four manifest media types: a narrower Accept gets another digest.
func accept() string {
	return strings.Join([]string{registry.MediaTypeOCIIndex, registry.MediaTypeOCIManifest,
		registry.MediaTypeDockerList, registry.MediaTypeDockerManifest}, ", ")
}

// Manifest returns the manifest with this digest as the registry serves it
// (GET /v2/{repo}/manifests/{digest}), checked against the digest.
func (c *Client) Manifest(ctx context.Context, repo, digest string) ([]byte, string, error) {
	cl, err := c.sdk(repo, forPull)
	if err != nil {
		return nil, "", err
	}
	var raw *http.Response
	resp, err := cl.GetManifest(policy.WithCaptureResponse(ctx, &raw), repo, digest,
		&azcontainerregistry.ClientGetManifestOptions{Accept: to.Ptr(accept())})
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest %s@%s: %w", repo, digest, mapError(err))
	}
	defer resp.ManifestData.Close()
	body, err := io.ReadAll(io.LimitReader(resp.ManifestData, maxManifest+1))
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("reading manifest %s@%s: %w", repo, digest, mapError(err))
	case len(body) > maxManifest:
		return nil, "", fmt.Errorf("reading manifest %s@%s: larger than %d bytes", repo, digest, maxManifest)
	}
	if alg, hexSum, ok := strings.Cut(digest, ":"); ok && alg == "sha256" {
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != hexSum {
			return nil, "", fmt.Errorf("reading manifest %s@%s: the registry sent a body with another digest", repo, digest)
		}
	}
	var mediaType string
	if raw != nil {
		mediaType, _, _ = mime.ParseMediaType(raw.Header.Get("Content-Type"))
	}
	if mediaType == "" || mediaType == "application/json" {
		var doc struct {
			MediaType string `json:"mediaType"`
		}
		_ = json.Unmarshal(body, &doc)
		mediaType = doc.MediaType
	}
	return body, mediaType, nil
}

// PutManifest uploads raw under ref, a tag or its own digest (PUT
// /v2/{repo}/manifests/{ref}); restore uses it. It needs push permission.
func (c *Client) PutManifest(ctx context.Context, repo, ref string, raw []byte, mediaType string) error {
	cl, err := c.sdk(repo, forPush)
	if err != nil {
		return err
	}
	_, err = cl.UploadManifest(ctx, repo, ref, azcontainerregistry.ContentType(mediaType), streaming.NopCloser(bytes.NewReader(raw)), nil)
	if err != nil {
		return fmt.Errorf("uploading manifest %s:%s: %w", repo, ref, mapError(err))
	}
	return nil
}

// readBody reads m's manifest and fills in its media type, subject and children.
func (c *Client) readBody(ctx context.Context, repo string, m *registry.Manifest) error {
	body, mediaType, err := c.Manifest(ctx, repo, m.Digest)
	if err != nil {
		return err
	}
	var doc struct {
		Subject *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("reading manifest %s@%s: %w", repo, m.Digest, err)
	}
	if m.MediaType == "" {
		m.MediaType = mediaType
	}
	if doc.Subject != nil {
		m.Subject = doc.Subject.Digest
	}
	if len(doc.Manifests) > 0 {
		m.Children = nil
		for _, d := range doc.Manifests {
			m.Children = append(m.Children, d.Digest)
		}
	}
	return nil
}
