package oci

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// sessions hands out one authorised transport per registry scope
// ("repository:jarvis:pull", "repository:jarvis:push,pull,delete",
// "registry:catalog:*"), built on first use. go-containerregistry's handshake (a
// GET /v2/ ping, then a token for the scope where the registry wants one) thus runs
// once per scope instead of once per call: remote.Referrers, for one, built a new
// transport, and pinged, on every call.
type sessions struct {
	reg  name.Registry
	base http.RoundTripper
	auth func(ctx context.Context) (authn.Authenticator, error)
	m    onceEach[session]
}

type session struct {
	rt  http.RoundTripper
	err error
}

// get returns the transport for scope, doing the handshake if no call has yet. A
// failed handshake is not kept: the next call tries again.
func (s *sessions) get(ctx context.Context, scope string) (http.RoundTripper, error) {
	e, err := s.m.do(ctx, scope, func() (session, bool) {
		rt, err := s.open(ctx, scope)
		return session{rt, err}, err == nil
	})
	if err != nil {
		return nil, err
	}
	return e.rt, e.err
}

func (s *sessions) open(ctx context.Context, scope string) (http.RoundTripper, error) {
	auth, err := s.auth(ctx)
	if err != nil {
		return nil, err
	}
	return transport.NewWithContext(ctx, s.reg, auth, s.base, []string{scope})
}

// router sends each request to the registry through the session of the scope it
// needs: reads of a repository (GET, HEAD) with pull, everything else (PUT, POST,
// PATCH, DELETE) with push,pull,delete, the catalog with registry:catalog:*. A
// request to another host (a blob redirected to storage) goes out without
// credentials, as go-containerregistry's own transports send it.
type router struct{ s *sessions }

func (r router) RoundTrip(req *http.Request) (*http.Response, error) {
	scope, ok := r.scope(req)
	if !ok {
		return r.s.base.RoundTrip(req)
	}
	rt, err := r.s.get(req.Context(), scope)
	if err != nil {
		return nil, fmt.Errorf("signing in to %s for %s: %w", r.s.reg.Name(), scope, err)
	}
	return rt.RoundTrip(req)
}

func (r router) scope(req *http.Request) (string, bool) {
	if req.URL.Host != r.s.reg.RegistryStr() {
		return "", false
	}
	p, ok := strings.CutPrefix(req.URL.Path, "/v2/")
	if !ok {
		return "", false
	}
	if p == "_catalog" {
		return r.s.reg.Scope(transport.PullScope), true
	}
	repo := repoOfPath(p)
	if repo == "" {
		return "", false
	}
	action := transport.DeleteScope
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		action = transport.PullScope
	}
	return "repository:" + repo + ":" + action, true
}

// repoOfPath returns the repository of a /v2/ path (without "/v2/"): what comes
// before the last of /manifests/, /blobs/, /tags/, /referrers/. A repository name
// may itself contain such a segment (a/tags/b); what follows the last one never does.
func repoOfPath(p string) string {
	cut := -1
	for _, seg := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		cut = max(cut, strings.LastIndex(p, seg))
	}
	if cut <= 0 {
		return ""
	}
	return p[:cut]
}

// wrapped marks rt as already authorised, so go-containerregistry's Puller and
// Pusher use it as it is: no handshake of their own, no retry or user-agent layer
// over ours.
func wrapped(reg name.Registry, rt http.RoundTripper) (http.RoundTripper, error) {
	return transport.FromToken(reg, authn.Anonymous, rt, &transport.Challenge{}, &transport.Token{})
}
