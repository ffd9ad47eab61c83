package oci

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/semaphore"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry"
)

// Options configure a Client. The zero value reaches an https registry with the
// user's docker credentials.
type Options struct {
	// Scheme is "http" (plain http: the config said http:// to a loopback host or
	// with insecure: true), "https", or "" (https, except http for loopback hosts).
	Scheme string
	// SkipTLSVerify accepts any certificate (insecure: true).
	SkipTLSVerify bool
	// CAFile is an extra PEM bundle of trusted CAs.
	CAFile string
	// Username and Password are basic credentials; without them the docker
	// config.json and its credential helpers are asked.
	Username, Password string
	// Transport replaces the base transport (tests); retries and time-outs wrap it.
	Transport http.RoundTripper
	// Wrap, when set, wraps the base transport, under the retries: --debug's dump.
	Wrap func(http.RoundTripper) http.RoundTripper
	// PageSize is the n asked of tag and catalog listings. By default tag listings ask
	// for the largest page the registry accepts (see tags.go), catalogs for 1000.
	PageSize int
	// RetryOptions tune the retry layer (tests inject the sleep).
	RetryOptions []httpx.RetryOption
	// AttemptTimeout bounds each HTTP attempt (default: 10s for reads, 60s for
	// writes, httpx.NewTimeouts).
	AttemptTimeout time.Duration
	// Limiter is the sweep's shared budget of requests (nil: none), under the retries.
	Limiter *httpx.Limiter
	// Untag says whether a tag DELETE is trusted to remove only the tag (registry.untag):
	// UntagProve (the default) once ProveUntag has shown it in the repository,
	// UntagTrusted without a proof, UntagOff never.
	Untag  UntagMode
	Logger *slog.Logger
}

// Client is a registry.Backend for one OCI registry.
type Client struct {
	reg      name.Registry
	nameOpts []name.Option
	auth     authn.Authenticator
	keys     authn.Keychain
	rt       http.RoundTripper
	authed   http.RoundTripper // rt through the session of each request's scope (session.go)
	puller   *remote.Puller
	pusher   *remote.Pusher
	log      *slog.Logger
	untag    UntagMode
	pageSize int // n of tag listings; 0: the largest the registry accepts (tags.go)

	mu        sync.Mutex
	caps      *registry.Capabilities
	proofs    onceEach[error]               // per repository: ProveUntag's verdict
	writes    onceEach[*semaphore.Weighted] // per repository: tag writes against digest deletes
	noRefAPI  atomic.Bool                   // the registry answered that it has no referrers API
	tagPageSz atomic.Int64                  // the n the registry accepted (tags.go)
	uploaded  sync.Map                      // "repo@digest" of blobs this client uploaded (throwaway configs)
}

var _ registry.Backend = (*Client)(nil)

// New returns a client for host (host[:port], no scheme).
func New(host string, o Options) (*Client, error) {
	var nameOpts []name.Option
	if o.Scheme == "http" {
		nameOpts = append(nameOpts, name.Insecure)
	}
	reg, err := name.NewRegistry(host, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("parsing registry host %q: %w", host, err)
	}
	base, err := baseTransport(o)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retry := append([]httpx.RetryOption{httpx.WithLogger(log)}, o.RetryOptions...)
	timed := httpx.NewTimeouts(schemeGuard{base, o.Scheme}, httpx.TimeoutsOr(o.AttemptTimeout))
	rt := httpx.NewUserAgent(httpx.NewRetry(o.Limiter.Registry(timed), retry...), "prsweep")

	c := &Client{reg: reg, nameOpts: append(nameOpts, name.StrictValidation), rt: rt, log: log,
		untag: cmp.Or(o.Untag, UntagProve), pageSize: max(o.PageSize, 0)}
	if o.Username != "" || o.Password != "" {
		c.auth = authn.FromConfig(authn.AuthConfig{Username: o.Username, Password: o.Password})
	} else {
		c.keys = authn.DefaultKeychain
	}
	c.authed = router{&sessions{reg: reg, base: rt, auth: c.authenticator}}
	authed, err := wrapped(reg, c.authed)
	if err != nil {
		return nil, fmt.Errorf("setting up registry client: %w", err)
	}
	ropts := []remote.Option{
		remote.WithTransport(authed),
		// Our retry layer retries; go-containerregistry's must not retry again.
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
		remote.WithRetryStatusCodes(),
		remote.WithPageSize(max(o.PageSize, 0)),
	}
	if o.PageSize == 0 {
		ropts[len(ropts)-1] = remote.WithPageSize(1000)
	}
	if c.puller, err = remote.NewPuller(ropts...); err != nil {
		return nil, fmt.Errorf("setting up registry client: %w", err)
	}
	if c.pusher, err = remote.NewPusher(ropts...); err != nil {
		return nil, fmt.Errorf("setting up registry client: %w", err)
	}
	return c, nil
}

func baseTransport(o Options) (http.RoundTripper, error) {
	return httpx.Base(o.Transport, o.CAFile, o.SkipTLSVerify, o.Wrap)
}

// schemeGuard sends https where plain http was not allowed: go-containerregistry
// would otherwise talk http to private-range addresses on its own.
type schemeGuard struct {
	next   http.RoundTripper
	scheme string
}

func (g schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	allowed := g.scheme == "http" || (g.scheme == "" && IsLoopback(req.URL.Hostname()))
	if req.URL.Scheme == "http" && !allowed {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	return g.next.RoundTrip(req)
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func (c *Client) repo(repo string) (name.Repository, error) {
	r, err := name.NewRepository(c.reg.Name()+"/"+repo, c.nameOpts...)
	if err != nil {
		return r, fmt.Errorf("parsing repository name %q: %w", repo, err)
	}
	return r, nil
}
