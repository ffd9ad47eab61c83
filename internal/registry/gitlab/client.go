package gitlab

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/oci"
)

// DefaultPageSize is the per_page asked of GitLab's listings: the most it gives.
const DefaultPageSize = 100

// DefaultUsername is the name sent with the token to GitLab's /jwt/auth: GitLab
// checks only the token of a personal, project or group access token.
const DefaultUsername = "prsweep"

// Options configure a Client.
type Options struct {
	// API is GitLab's base URL: https://gitlab.com, or https://HOST[/prefix].
	API string
	// Project (group/name or numeric id) or Group (path or id) whose container
	// repositories are swept; exactly one is set.
	Project, Group string
	// Token is a personal, project or group access token with the api scope.
	Token string
	// Username goes with Token to the registry's token endpoint (default
	// DefaultUsername; gitlab-ci-token for a CI job token).
	Username string
	// Scheme and SkipTLSVerify are the registry host's (see oci.Options).
	Scheme        string
	SkipTLSVerify bool
	// CAFile is an extra PEM bundle of trusted CAs, for GitLab and the registry.
	CAFile string
	// Transport replaces the base transport (tests); retries and time-outs wrap it.
	Transport http.RoundTripper
	// Wrap, when set, wraps the base transport, under the retries: --debug's dump.
	Wrap func(http.RoundTripper) http.RoundTripper
	// PageSize is the per_page of listings (default DefaultPageSize).
	PageSize int
	// RetryOptions tune the retry layers (tests inject the sleep).
	RetryOptions []httpx.RetryOption
	// AttemptTimeout bounds each HTTP attempt (default: httpx.NewTimeouts').
	AttemptTimeout time.Duration
	// Limiter is the sweep's shared budget of requests (nil: none), under the retries.
	Limiter *httpx.Limiter
	Logger  *slog.Logger
}

// Client is a registry.Backend for one GitLab project's or group's container
// repositories.
type Client struct {
	api      *url.URL // …/api/v4
	scope    string   // "projects/<escaped id>" or "groups/<escaped id>"
	token    string
	http     *http.Client
	oci      *oci.Client
	pageSize int
	log      *slog.Logger

	mu    sync.Mutex
	repos map[string]repoRef // registry path → GitLab ids, from the last repository listing
}

// repoRef names a container repository in GitLab's API.
type repoRef struct {
	project int
	id      int
}

var (
	_ registry.Backend       = (*Client)(nil)
	_ registry.ManifestStore = (*Client)(nil)
	_ registry.Ager          = (*Client)(nil)
	_ registry.Checker       = (*Client)(nil)
)

// New returns a client for the registry at host (host[:port], no scheme) whose
// repositories GitLab at o.API manages.
func New(host string, o Options) (*Client, error) {
	api, err := url.Parse(strings.TrimSuffix(o.API, "/"))
	if err != nil || api.Host == "" || (api.Scheme != "https" && api.Scheme != "http") {
		return nil, fmt.Errorf("setting up the GitLab client: %q is not GitLab's base URL", o.API)
	}
	api = api.JoinPath("api", "v4")
	var scope string
	switch {
	case o.Project != "" && o.Group == "":
		scope = "projects/" + url.PathEscape(o.Project)
	case o.Group != "" && o.Project == "":
		scope = "groups/" + url.PathEscape(o.Group)
	default:
		return nil, errors.New("setting up the GitLab client: set a project or a group, not both")
	}
	if o.Token == "" {
		return nil, errors.New("setting up the GitLab client: no token")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := httpx.Base(o.Transport, o.CAFile, false, o.Wrap)
	if err != nil {
		return nil, err
	}
	retry := append([]httpx.RetryOption{httpx.WithLogger(log)}, o.RetryOptions...)
	timed := httpx.NewTimeouts(base, httpx.TimeoutsOr(o.AttemptTimeout))
	rt := httpx.NewUserAgent(httpx.NewRetry(o.Limiter.Registry(timed), retry...), "prsweep")
	reg, err := oci.New(host, oci.Options{
		Scheme: o.Scheme, SkipTLSVerify: o.SkipTLSVerify, CAFile: o.CAFile,
		Username: cmp.Or(o.Username, DefaultUsername), Password: o.Token,
		Transport: o.Transport, Wrap: o.Wrap, RetryOptions: o.RetryOptions,
		AttemptTimeout: o.AttemptTimeout, Limiter: o.Limiter,
		Untag:  oci.UntagOff, // tags are deleted through GitLab's API, never on /v2
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	return &Client{api: api, scope: scope, token: o.Token, http: &http.Client{Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		oci: reg, pageSize: cmp.Or(o.PageSize, DefaultPageSize), log: log, repos: map[string]repoRef{}}, nil
}

// endpoint returns the URL of an API path ("projects/team%2Fapp/registry/…",
// already escaped) with its query.
func (c *Client) endpoint(escapedPath string, q url.Values) (*url.URL, error) {
	u, err := url.Parse(c.api.String() + "/" + escapedPath)
	if err != nil {
		return nil, fmt.Errorf("building a GitLab API URL: %w", err)
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// do sends a request to GitLab's API with the token and returns the answer with
// its body read. Only URLs on the API's own host get the token.
func (c *Client) do(ctx context.Context, method string, u *url.URL) (*http.Response, []byte, error) {
	if u.Scheme != c.api.Scheme || u.Host != c.api.Host {
		return nil, nil, fmt.Errorf("GitLab pointed to %s://%s, which is not %s", u.Scheme, u.Host, c.api.Host)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("PRIVATE-TOKEN", c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, httpx.RedactURL(u), scrubbed(err, c.token))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading the answer: %w", method, httpx.RedactURL(u), err)
	}
	return resp, body, nil
}

// scrubbed drops the token from a transport error, should one carry it.
func scrubbed(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// getJSON GETs u into v; any status but 200 is mapped by statusError.
func (c *Client) getJSON(ctx context.Context, u *url.URL, v any) (*http.Response, error) {
	resp, body, err := c.do(ctx, http.MethodGet, u)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, statusError(resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return resp, fmt.Errorf("GET %s: reading the answer: %w", httpx.RedactURL(u), err)
	}
	return resp, nil
}

// statusError maps a GitLab answer onto registry's sentinels, with GitLab's message
// ({"message": "404 Tag Not Found"} or {"error": …, "error_description": …}).
func statusError(status int, body []byte) error {
	var e struct {
		Message     any    `json:"message"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	msg := fmt.Sprintf("HTTP %d", status)
	switch m := e.Message.(type) {
	case string:
		msg += ": " + m
	case nil:
		if e.Error != "" {
			msg += ": " + strings.TrimSpace(e.Error+" "+e.Description)
		}
	default:
		if b, err := json.Marshal(m); err == nil {
			msg += ": " + string(b)
		}
	}
	msg = strings.ToValidUTF8(msg, "?")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	switch status {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s", registry.ErrNotFound, msg)
	case http.StatusUnauthorized, http.StatusForbidden:
		if status == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "protect") {
			return fmt.Errorf("%w: %s", registry.ErrLocked, msg) // a protected container tag
		}
		return fmt.Errorf("%w: %s", registry.ErrUnauthorized, msg)
	}
	return errors.New(msg)
}
