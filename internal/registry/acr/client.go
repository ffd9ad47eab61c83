package acr

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/containers/azcontainerregistry"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry"
)

// Defaults of a Client.
const (
	// DefaultAudience is the Entra ID audience of ACR tokens, in every Azure cloud.
	DefaultAudience = "https://containerregistry.azure.net"
	// DefaultPageSize is the n asked of catalog, tag and manifest listings: the most
	// ACR gives a page (it answers a larger n with 1,000 and a Link,
	// https://github.com/Azure/acr/issues/749).
	DefaultPageSize = 1000
)

// Retry defaults for ACR: its limits are per minute (Basic: 1,000 reads and 100
// writes a minute), so the back-off must span more than one. With full jitter the
// ten attempts wait up to 1+2+4+8+16+32+60+60+60 s in all, two minutes on
// average; a Retry-After (up to httpx's cap) replaces the back-off of its attempt.
// Options.RetryOptions override them.
const (
	retryAttempts = 10
	retryBase     = time.Second
	retryCeiling  = time.Minute
)

// Options configure a Client. The zero value signs in with the Azure SDK's default
// credential chain and trusts the system's CAs.
type Options struct {
	Credentials Credentials
	// CAFile is an extra PEM bundle of trusted CAs (Azure Stack Hub, a TLS proxy).
	CAFile string
	// Transport replaces the base transport (tests); retries and time-outs wrap it.
	Transport http.RoundTripper
	// Wrap, when set, wraps the base transport, under the retries: --debug's dump.
	Wrap func(http.RoundTripper) http.RoundTripper
	// PageSize is the n asked of catalog, tag and manifest listings (default 1000).
	PageSize int
	// RetryOptions tune the retry layer after the ACR defaults (tests inject the sleep).
	RetryOptions []httpx.RetryOption
	// AttemptTimeout bounds each HTTP attempt (default: 10s for reads, 60s for
	// writes, httpx.NewTimeouts).
	AttemptTimeout time.Duration
	// Limiter is the sweep's shared budget of requests (nil: none), under the retries.
	Limiter *httpx.Limiter
	Logger  *slog.Logger
}

// purpose is what an SDK client is used for: each gets an ACR access token of one
// scope, which the SDK would otherwise swap on every request of another kind.
type purpose int

const (
	forMetadata purpose = iota // /acr/v1 reads: metadata_read (the catalog: registry:catalog:*)
	forPull                    // /v2 manifest reads: pull
	forDelete                  // untag and manifest deletion: delete
	forPush                    // manifest upload (restore): push
)

type clientKey struct {
	repo string
	p    purpose
}

// Client is a registry.Backend for one Azure Container Registry.
type Client struct {
	host     string // the login server, host[:port]
	endpoint string // https://host
	cred     azcore.TokenCredential
	opts     azcore.ClientOptions
	pageSize int32
	log      *slog.Logger

	mu        sync.Mutex
	clients   map[clientKey]*azcontainerregistry.Client
	denied    map[string]error // repositories where a deletion was refused for want of permission
	repoLocks map[string]*repoLock
}

var (
	_ registry.Backend = (*Client)(nil)
	_ registry.Checker = (*Client)(nil)
)

// New returns a client for the registry whose login server is host (host[:port],
// no scheme), e.g. myregistry.azurecr.io. It talks https only.
func New(host string, o Options) (*Client, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/")
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return nil, fmt.Errorf("setting up the ACR client: %q is not a login server (host[:port])", host)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := baseTransport(o)
	if err != nil {
		return nil, err
	}
	retry := append([]httpx.RetryOption{
		httpx.WithLogger(log),
		httpx.WithAttempts(retryAttempts),
		httpx.WithBackoff(retryBase, retryCeiling),
	}, o.RetryOptions...)
	timed := o.Limiter.Registry(httpx.NewTimeouts(base, httpx.TimeoutsOr(o.AttemptTimeout)))
	rt := httpx.NewRetry(timed, retry...)
	cr := o.Credentials
	if cr.auth() == AuthBasic {
		rt = newBasicTokens(rt, cr.Username, cr.Password)
	}
	c := &Client{
		host:      host,
		endpoint:  "https://" + host,
		pageSize:  int32(cmp.Or(o.PageSize, DefaultPageSize)),
		log:       log,
		clients:   map[clientKey]*azcontainerregistry.Client{},
		denied:    map[string]error{},
		repoLocks: map[string]*repoLock{},
		opts: azcore.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: cr.AuthorityHost, // "" lets azidentity read AZURE_AUTHORITY_HOST
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					azcontainerregistry.ServiceName: {Audience: cmp.Or(strings.TrimSuffix(cr.Audience, "/"), DefaultAudience)},
				},
			},
			// One retry layer (httpx, in the transport) for the registry and Entra ID alike.
			Retry:     policy.RetryOptions{MaxRetries: -1},
			Telemetry: policy.TelemetryOptions{ApplicationID: "prsweep"},
			Transport: &http.Client{Transport: rt},
		},
	}
	if c.cred, err = newCredential(cr, c.opts, timed); err != nil {
		return nil, err
	}
	return c, nil
}

func baseTransport(o Options) (http.RoundTripper, error) {
	return httpx.Base(o.Transport, o.CAFile, false, o.Wrap)
}

// sdk returns the SDK client for one repository ("" for the catalog) and purpose.
func (c *Client) sdk(repo string, p purpose) (*azcontainerregistry.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := clientKey{repo, p}
	if cl, ok := c.clients[k]; ok {
		return cl, nil
	}
	opts := c.opts
	opts.PerCallPolicies = append(slices.Clone(opts.PerCallPolicies), &signInOnce{done: make(chan struct{})})
	cl, err := azcontainerregistry.NewClient(c.endpoint, c.cred, &azcontainerregistry.ClientOptions{ClientOptions: opts})
	if err != nil {
		return nil, fmt.Errorf("setting up the ACR client: %w", err)
	}
	c.clients[k] = cl
	return cl, nil
}

// signInOnce lets an SDK client's first request go alone: it meets ACR's challenge
// and signs in for the client's repository and purpose, and the requests waiting
// for it then share that token instead of each being answered 401 first (for a
// deletion, a write of the registry's quota each).
type signInOnce struct {
	started atomic.Bool
	done    chan struct{}
}

func (g *signInOnce) Do(req *policy.Request) (*http.Response, error) {
	if strings.HasPrefix(req.Raw().URL.Path, "/oauth2/") {
		return req.Next() // the sign-in itself, which the SDK sends with these options too
	}
	if g.started.CompareAndSwap(false, true) {
		defer close(g.done)
		return req.Next()
	}
	select {
	case <-g.done:
	case <-req.Raw().Context().Done():
		return nil, req.Raw().Context().Err()
	}
	return req.Next()
}
