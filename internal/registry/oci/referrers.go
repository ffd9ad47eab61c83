package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/prsweep/prsweep/internal/registry"
)

var _ registry.ReferrerLister = (*Client)(nil)

// errNoReferrersAPI is Referrers' answer once the registry has shown it has no
// referrers API.
var errNoReferrersAPI = fmt.Errorf("%w: the registry has no referrers API", registry.ErrUnsupported)

// Referrers lists the manifests whose subject is digest by the OCI referrers API
// (GET /v2/<repo>/referrers/<digest>). A registry without it (distribution v3 and
// 2.8 answer 404 page not found) is remembered as such at its first answer: from
// then on Referrers returns errNoReferrersAPI without asking. It does not read the
// sha256-<hex> fallback tag: the caller has the tag listing.
func (c *Client) Referrers(ctx context.Context, repo, digest string) ([]string, error) {
	fail := func(err error) ([]string, error) {
		return nil, fmt.Errorf("listing the referrers of %s@%s: %w", repo, digest, err)
	}
	if c.noRefAPI.Load() {
		return fail(errNoReferrersAPI)
	}
	r, err := c.repo(repo)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: fmt.Sprintf("/v2/%s/referrers/%s", r.RepositoryStr(), digest)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", registry.MediaTypeOCIIndex)
	resp, err := c.authed.RoundTrip(req)
	if err != nil {
		return fail(mapError(err))
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusOK && mt == registry.MediaTypeOCIIndex {
		var idx struct {
			Manifests []struct {
				Digest string `json:"digest"`
			} `json:"manifests"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil {
			return fail(fmt.Errorf("reading the referrers index: %w", err))
		}
		out := make([]string, 0, len(idx.Manifests))
		for _, m := range idx.Manifests {
			out = append(out, m.Digest)
		}
		return out, nil
	}
	var cerr error
	if resp.StatusCode != http.StatusOK {
		cerr = transport.CheckError(resp, http.StatusOK)
	}
	if noReferrersAPI(resp.StatusCode, cerr) {
		c.noRefAPI.Store(true)
		c.log.Debug("the registry has no referrers API", "registry", c.reg.Name(), "status", resp.StatusCode, "content type", mt)
		return fail(errNoReferrersAPI)
	}
	return fail(mapError(cerr))
}

// noReferrersAPI says whether an answer other than an index shows that the
// registry has no referrers API: 200 with something else (a web page), or 400, 404
// or 406 (what go-containerregistry falls back on) that is not the registry's own
// verdict on this repository or digest (NAME_UNKNOWN, MANIFEST_UNKNOWN, …).
func noReferrersAPI(status int, err error) bool {
	switch status {
	case http.StatusOK:
		return true
	case http.StatusBadRequest, http.StatusNotFound, http.StatusNotAcceptable:
	default:
		return false
	}
	var te *transport.Error
	if errors.As(err, &te) {
		for _, d := range te.Errors {
			switch d.Code {
			case transport.NameUnknownErrorCode, transport.ManifestUnknownErrorCode,
				transport.DigestInvalidErrorCode, transport.NameInvalidErrorCode, transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return false
			}
		}
	}
	return true
}
