package ghcr

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/oci"
)

// Defaults of a Client.
const (
	// DefaultAPI is GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3).
	DefaultAPI = "https://api.github.com"
	// DefaultPageSize is the per_page asked of package and version listings: the
	// most GitHub gives.
	DefaultPageSize = 100
	// apiVersion is the REST API version the requests are written against.
	apiVersion = "2022-11-28"
)

// Options configure a Client.
type Options struct {
	// API is the GitHub REST API base (default DefaultAPI).
	API string
	// Owner is the user or organisation that owns the container packages.
	Owner string
	// Token signs in to the API (Authorization: Bearer) and, as the password, to
	// the registry. It needs read:packages and delete:packages (write:packages to
	// remove a tag that shares its version with a kept tag).
	Token string
	// Username is the registry's basic-auth user exchanged for a registry token
	// with Token (default: Owner). GHCR checks the token.
	Username string
	// CAFile is an extra PEM bundle of trusted CAs (GitHub Enterprise Server).
	CAFile string
	// Transport replaces the base transport (tests); retries and time-outs wrap it.
	Transport http.RoundTripper
	// Wrap, when set, wraps the base transport, under the retries: --debug's dump.
	Wrap func(http.RoundTripper) http.RoundTripper
	// PageSize is the per_page of listings (default 100, GitHub's most).
	PageSize int
	// RetryOptions tune the retry layers (tests inject the sleep).
	RetryOptions []httpx.RetryOption
	// AttemptTimeout bounds each HTTP attempt (default: httpx.NewTimeouts').
	AttemptTimeout time.Duration
	// Limiter is the sweep's shared budget of requests (nil: none), under the retries.
	Limiter *httpx.Limiter
	// Now is the clock x-ratelimit-reset is read against (default time.Now).
	Now func() time.Time
	// Sleep waits outside the HTTP retries: for a just-pushed manifest's version to
	// be listed (default httpx.SleepContext; tests inject).
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Client is a registry.Backend for the container packages of one GitHub owner.
type Client struct {
	host     string   // the registry, host[:port]
	api      *url.URL // the REST API base
	owner    string   // as configured (the API is case-insensitive)
	ociOwner string   // lowercase: the first path segment of the registry's repositories
	pageSize int
	log      *slog.Logger

	http     *http.Client         // the REST API: auth, retry, limiter, rate-limit answers, time-outs
	oci      *oci.Client          // the registry's OCI API, signed in with the token
	ociRT    http.RoundTripper    // the OCI API's transport without credentials (push.go)
	username string               // the registry's basic-auth user
	token    string               // the registry's basic-auth password
	pushes   pushes               // per package: the push session and the throwaway config (push.go)
	kind     onceValue[ownerKind] // organisation or user
	sleep    func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	versions map[string]map[string]version // repo → digest → version, from the last listing
	// shown is what the last listing handed to the engine (Tags, ListManifests): repo
	// → digest → tags. A digest deletion may take those tags along and no other;
	// the engine planned on them. Listings of the adapter's own (to find a version)
	// do not change it.
	shown     map[string]map[string][]string
	manifests map[string]manifestInfo // "repo@digest" → what its manifest says (immutable)
	relisters map[string]*relister    // repo → its shared fresh listings (fresh.go)
	scopes    *string                 // X-OAuth-Scopes of the last API answer that had it
}

var (
	_ registry.Backend        = (*Client)(nil)
	_ registry.ManifestLister = (*Client)(nil)
	_ registry.ManifestStore  = (*Client)(nil)
	_ registry.Ager           = (*Client)(nil)
	_ registry.Checker        = (*Client)(nil)
)

// login is what GitHub accepts as a user or organisation name.
var login = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

// New returns a client for the registry host (host[:port], no scheme: ghcr.io, or
// containers.HOST on GitHub Enterprise Server) and the owner's packages. It talks
// https only.
func New(host string, o Options) (*Client, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/")
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return nil, fmt.Errorf("setting up the GHCR client: %q is not a registry host (host[:port])", host)
	}
	if !login.MatchString(o.Owner) {
		return nil, fmt.Errorf("setting up the GHCR client: %q is not a GitHub user or organisation name", o.Owner)
	}
	if o.Token == "" {
		return nil, fmt.Errorf("setting up the GHCR client: no token")
	}
	api, err := url.Parse(strings.TrimSuffix(cmp.Or(o.API, DefaultAPI), "/"))
	if err != nil || api.Scheme != "https" || api.Host == "" || api.User != nil || api.RawQuery != "" {
		return nil, fmt.Errorf("setting up the GHCR client: the API base must be an https:// URL, like %s", DefaultAPI)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := baseTransport(o)
	if err != nil {
		return nil, err
	}
	retry := append([]httpx.RetryOption{httpx.WithLogger(log)}, o.RetryOptions...)
	timed := httpx.NewTimeouts(base, httpx.TimeoutsOr(o.AttemptTimeout))
	now := o.Now
	if now == nil {
		now = time.Now
	}
	apiRT := httpx.NewRetry(o.Limiter.Registry(rateLimits{next: timed, now: now}), retry...)
	c := &Client{
		host:      host,
		api:       api,
		owner:     o.Owner,
		ociOwner:  strings.ToLower(o.Owner),
		pageSize:  min(cmp.Or(max(o.PageSize, 0), DefaultPageSize), DefaultPageSize),
		log:       log,
		http:      &http.Client{Transport: apiAuth{next: httpx.NewUserAgent(apiRT, "prsweep"), token: o.Token, host: api.Host}},
		ociRT:     httpx.NewUserAgent(httpx.NewRetry(o.Limiter.Registry(timed), retry...), "prsweep"),
		sleep:     o.Sleep,
		username:  cmp.Or(o.Username, o.Owner),
		token:     o.Token,
		versions:  map[string]map[string]version{},
		shown:     map[string]map[string][]string{},
		manifests: map[string]manifestInfo{},
		relisters: map[string]*relister{},
	}
	if c.sleep == nil {
		c.sleep = httpx.SleepContext
	}
	c.oci, err = oci.New(host, oci.Options{
		Scheme:         "https",
		CAFile:         o.CAFile,
		Username:       c.username,
		Password:       o.Token,
		Transport:      o.Transport,
		Wrap:           o.Wrap,
		RetryOptions:   o.RetryOptions,
		AttemptTimeout: o.AttemptTimeout,
		Limiter:        o.Limiter,
		Untag:          oci.UntagOff, // GHCR deletes through the Packages API only
		Logger:         log,
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the GHCR client: %w", err)
	}
	return c, nil
}

func baseTransport(o Options) (http.RoundTripper, error) {
	return httpx.Base(o.Transport, o.CAFile, false, o.Wrap)
}

// ociRepo is the registry's name of a package: OWNER/NAME, lowercase owner.
func (c *Client) ociRepo(repo string) string { return c.ociOwner + "/" + repo }

// apiAuth signs REST API requests with the token, and only those to the API's host
// (a Link to another host gets no credentials).
type apiAuth struct {
	next  http.RoundTripper
	token string
	host  string
}

func (a apiAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.URL.Host == a.host {
		r.Header.Set("Authorization", "Bearer "+a.token)
	}
	r.Header.Set("Accept", "application/vnd.github+json")
	r.Header.Set("X-GitHub-Api-Version", apiVersion)
	return a.next.RoundTrip(r)
}
