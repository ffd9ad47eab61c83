package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
)

var _ scm.Provider = (*Client)(nil)

// Client reads pull-request states from one Azure DevOps project. It is safe
// for concurrent use.
type Client struct {
	base    string // organisation or collection URL, no trailing slash
	project string
	auth    string   // Authorization header value: never logged, never in errors
	secrets []string // what scrub hides in text that came from the server
	http    *http.Client
	log     *slog.Logger
	now     func() time.Time
	proof   *missingProof // WithMissingCheck; nil trusts every "not found"
}

// New returns a client for project in the organisation (or on-prem collection)
// at baseURL, e.g. https://dev.azure.com/contoso or
// https://tfs.example.com/DefaultCollection. Requests go through httpx layers,
// outermost first: UserAgent("prsweep"), Retry, the sweep's Limiter (WithLimiter),
// Timeout (10s per attempt: httpx.DefaultReadTimeout).
func New(baseURL, project, token string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("creating azure devops client: %w", err)
	}
	if strings.TrimSpace(project) == "" {
		return nil, errors.New("creating azure devops client: missing project")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("creating azure devops client: missing token")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, errors.New("creating azure devops client: token contains spaces or control characters")
	}
	s := settings{ClientStack: httpx.NewClientStack(), tokenType: Auto}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, fmt.Errorf("creating azure devops client: %w", err)
		}
	}
	hc := s.Build(nil, nil)

	auth := authorization(s.tokenType, token)
	return &Client{
		base:    base,
		project: project,
		auth:    auth,
		secrets: []string{token, strings.TrimPrefix(strings.TrimPrefix(auth, "Basic "), "Bearer ")},
		http:    hc,
		log:     s.Log,
		now:     s.Now,
		proof:   newProof(s.missingCheck),
	}, nil
}

// String names the client without its credential, for %v in logs.
func (c *Client) String() string { return "azuredevops(" + c.base + ", " + c.project + ")" }

// GoString keeps %#v from printing the credential.
func (c *Client) GoString() string { return c.String() }

// State reads the pull request ref.Number of the client's project. ref.Repo is
// ignored: ADO numbers pull requests per project, not per repository.
func (c *Client) State(ctx context.Context, ref scm.Ref) (scm.Status, error) {
	id, err := parseID(ref.Number)
	if err != nil {
		return c.fail(ctx, ref, 0, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(id), nil)
	if err != nil {
		return c.fail(ctx, ref, 0, fmt.Errorf("building request: %w", err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress") // 401 instead of a sign-in redirect where ADO honours it
	req.Header.Set("Authorization", c.auth)
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the whole URL; the PR's name says enough.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return c.fail(ctx, ref, 0, err)
	}
	defer resp.Body.Close()
	st, err := c.interpret(resp, id)
	if errors.Is(err, scm.ErrNotFound) {
		err = c.proveMissing(ctx, err)
	}
	if err != nil {
		return c.fail(ctx, ref, resp.StatusCode, err)
	}
	st.ReadAt = c.now()
	c.log.LogAttrs(ctx, slog.LevelDebug, "read pull request", slog.String("pr", ref.String()),
		slog.Int("status", resp.StatusCode), slog.String("state", string(st.State)))
	return st, nil
}

// fail names the pull request in err and returns the status that goes with
// it: Missing when ADO said the PR does not exist, Unknown otherwise.
func (c *Client) fail(ctx context.Context, ref scm.Ref, code int, err error) (scm.Status, error) {
	err = c.scrubbed(fmt.Errorf("reading pull request %s: %w", ref, err))
	c.log.LogAttrs(ctx, slog.LevelDebug, "reading pull request failed", slog.String("pr", ref.String()),
		slog.Int("status", code), slog.String("error", err.Error()))
	if errors.Is(err, scm.ErrNotFound) {
		return scm.Status{State: scm.Missing, ReadAt: c.now()}, err
	}
	return scm.Status{State: scm.Unknown, Error: err.Error()}, err
}

func (c *Client) endpoint(id int64) string {
	return c.base + "/" + url.PathEscape(c.project) + "/_apis/git/pullrequests/" +
		strconv.FormatInt(id, 10) + "?api-version=7.1"
}

// scrubbed hides the credential anywhere in err's text and keeps only the scm
// sentinels (scm.Scrubbed).
func (c *Client) scrubbed(err error) error { return scm.Scrubbed(err, c.scrub) }

// scrub hides the credential in text that came from the server, should it
// ever echo it back.
func (c *Client) scrub(s string) string {
	for _, secret := range c.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// parseID accepts only digits: a tag's PR number must never be able to change
// the request's path or query. ADO ids are 32-bit.
func parseID(n string) (int64, error) {
	if n == "" || strings.TrimLeft(n, "0123456789") != "" {
		return 0, fmt.Errorf("parsing pull-request number %q: not all digits: %w", n, scm.ErrUnexpected)
	}
	id, err := strconv.ParseInt(n, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("parsing pull-request number %q: out of range: %w", n, scm.ErrUnexpected)
	}
	return id, nil
}

func parseBaseURL(raw string) (string, error) {
	u, err := httpx.ParseBaseURL(raw, "organisation URL")
	if err != nil {
		return "", err
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// readBody reads at most limit bytes and says whether the body was longer.
func readBody(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}
