package ghcr

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry"
)

// findWaits are the waits between looks for a just-pushed manifest's version.
var findWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// throwawayConfig is the config blob of every throwaway manifest: an empty image.
// It is the same bytes every time, so a repository gets it uploaded once.
var throwawayConfig = []byte(`{"architecture":"unknown","os":"unknown","config":{"Labels":{"org.prsweep.throwaway":"true"}},"rootfs":{"type":"layers","diff_ids":[]}}`)

// pushThrowaway puts a new throwaway manifest (no layers; annotations naming the tag
// and a nonce, so its digest is new) under repo:tag and returns its digest, also
// when the PUT failed (it may have landed).
func (c *Client) pushThrowaway(ctx context.Context, repo, tag string) (string, error) {
	if err := c.uploadConfig(ctx, repo); err != nil {
		return "", fmt.Errorf("uploading the throwaway manifest's config: %w", err)
	}
	sum := sha256.Sum256(throwawayConfig)
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	type descriptor struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	raw, err := json.Marshal(struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     string            `json:"mediaType"`
		Config        descriptor        `json:"config"`
		Layers        []descriptor      `json:"layers"`
		Annotations   map[string]string `json:"annotations"`
	}{
		SchemaVersion: 2,
		MediaType:     registry.MediaTypeOCIManifest,
		Config:        descriptor{string(types.OCIConfigJSON), "sha256:" + hex.EncodeToString(sum[:]), len(throwawayConfig)},
		Layers:        []descriptor{},
		Annotations:   map[string]string{"org.prsweep.deleted-tag": repo + ":" + tag, "org.prsweep.nonce": hex.EncodeToString(nonce)},
	})
	if err != nil {
		return "", err
	}
	d := sha256.Sum256(raw)
	digest := "sha256:" + hex.EncodeToString(d[:])
	return digest, c.putThrowaway(ctx, repo, tag, raw)
}

// httpsOnly sends https where go-containerregistry would pick plain http on its
// own (for loopback and private addresses): GHCR talks https only.
type httpsOnly struct{ next http.RoundTripper }

func (h httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	return h.next.RoundTrip(req)
}

// rewinding gives each request that reaches it a fresh body: go-containerregistry's
// bearer transport sends a request again after a new token, its body already read.
type rewinding struct{ next http.RoundTripper }

func (r rewinding) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = body
	}
	return r.next.RoundTrip(req)
}
