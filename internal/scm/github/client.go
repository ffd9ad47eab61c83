package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	gh "github.com/google/go-github/v84/github"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
)

var (
	_ scm.Provider = (*Client)(nil)
	_ scm.Batcher  = (*Client)(nil)
	_ scm.Checker  = (*Client)(nil)
)

// DefaultURL is GitHub.com's API.
const DefaultURL = "https://api.github.com"

// Client reads pull-request states from GitHub or GitHub Enterprise Server. It is
// safe for concurrent use.
type Client struct {
	base      string // the REST base URL, no trailing slash, for messages
	graphql   string // the GraphQL endpoint
	api       *gh.Client
	http      *http.Client // authorized; for GraphQL
	log       *slog.Logger
	now       func() time.Time
	batchSize int
	secrets   []string // what scrub hides in text that came from the server

	mu    sync.Mutex
	repos map[string]*repoProof // owner/name (lower case) → may a 404 of its pulls be trusted
}

// New returns a client for the API at baseURL: https://api.github.com (also
// when empty), or https://HOST/api/v3 for GitHub Enterprise Server. Requests go
// through go-github and httpx layers, outermost first: the token, UserAgent
// ("prsweep"), Retry, the rate-limit hold, the sweep's Limiter (WithLimiter),
// the rate-limit reader, Timeouts.
func New(baseURL string, auth Auth, opts ...Option) (*Client, error) {
	rest, graphql, err := endpoints(baseURL)
	if err != nil {
		return nil, fmt.Errorf("creating github client: %w", err)
	}
	s := settings{ClientStack: httpx.NewClientStack(), batchSize: maxBatch}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, fmt.Errorf("creating github client: %w", err)
		}
	}
	limits := newRateLimits(s.Now, s.Log)
	hc := s.Build(limits.holdLayer, limits.observeLayer)
	inner := markLayer(hc.Transport) // above the retries: one mark for all of a request's attempts

	c := &Client{
		base: strings.TrimSuffix(rest.String(), "/"), graphql: graphql.String(),
		log: s.Log, now: s.Now, batchSize: s.batchSize, repos: map[string]*repoProof{},
	}
	var src tokenSource
	switch {
	case auth.Token != "" && (auth.AppID != 0 || auth.InstallationID != 0 || len(auth.PrivateKey) > 0):
		return nil, errors.New("creating github client: set a token or a github app, not both")
	case auth.Token != "":
		tok := strings.TrimSpace(auth.Token)
		if strings.ContainsFunc(tok, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return nil, errors.New("creating github client: token contains spaces or control characters")
		}
		src, c.secrets = staticToken(tok), []string{tok}
	default:
		api := newAPI(&http.Client{Transport: inner, CheckRedirect: hc.CheckRedirect}, rest, s.UserAgent)
		apps, err := newAppTokens(auth, api, s.Now)
		if err != nil {
			return nil, fmt.Errorf("creating github client: %w", err)
		}
		src = apps
	}
	hc.Transport = &authorize{host: rest.Host, src: src, next: inner}
	c.http = hc
	c.api = newAPI(hc, rest, s.UserAgent)
	return c, nil
}

func newAPI(hc *http.Client, base *url.URL, ua string) *gh.Client {
	api := gh.NewClient(hc)
	api.BaseURL = base
	api.UserAgent = ua
	// The rate-limit layers hold requests by our clock; go-github's own pre-check
	// (by time.Now) would refuse requests they have already waited for.
	api.DisableRateLimitCheck = true
	return api
}

// String names the client without its credential, for %v in logs.
func (c *Client) String() string { return "github(" + c.base + ")" }

// GoString keeps %#v from printing the credential.
func (c *Client) GoString() string { return c.String() }

// endpoints returns the REST base (with a trailing slash, as go-github wants it)
// and the GraphQL endpoint of the API at raw: GitHub.com's /graphql beside its
// REST root, or GHES's /api/graphql beside /api/v3.
func endpoints(raw string) (rest, graphql *url.URL, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultURL
	}
	u, err := httpx.ParseBaseURL(raw, "API URL")
	if err != nil {
		return nil, nil, err
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	g := *u
	if p, ok := strings.CutSuffix(u.Path, "/api/v3"); ok {
		g.Path = p + "/api/graphql"
	} else {
		g.Path = u.Path + "/graphql"
	}
	u.Path += "/"
	return u, &g, nil
}

// State reads pull request ref.Number of repository ref.Repo (owner/name) with
// GET /repos/{owner}/{repo}/pulls/{number}.
func (c *Client) State(ctx context.Context, ref scm.Ref) (scm.Status, error) {
	owner, name, err := splitRepo(ref.Repo)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	n, err := parseNumber(ref.Number)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	pr, _, err := c.api.PullRequests.Get(ctx, owner, name, n)
	if err != nil {
		err = describe(err)
		if errors.Is(err, scm.ErrNotFound) {
			err = c.proveMissing(ctx, owner, name, err)
		}
		return c.fail(ctx, ref, err)
	}
	st, err := restState(pr, n)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	st.ReadAt = c.now()
	c.log.LogAttrs(ctx, slog.LevelDebug, "read pull request", slog.String("pr", ref.String()), slog.String("state", string(st.State)))
	return st, nil
}

// restState maps a REST pull request onto scm: open → Open; closed and merged →
// Merged; closed and not merged → Closed. Anything else is ErrUnexpected.
func restState(pr *gh.PullRequest, n int) (scm.Status, error) {
	switch {
	case pr == nil:
		return scm.Status{}, fmt.Errorf("decoding pull request: empty answer: %w", scm.ErrUnexpected)
	case pr.Number == nil || *pr.Number != n:
		return scm.Status{}, fmt.Errorf("decoding pull request: number is %d: %w", pr.GetNumber(), scm.ErrUnexpected)
	case pr.State == nil:
		return scm.Status{}, fmt.Errorf("decoding pull request: no state: %w", scm.ErrUnexpected)
	}
	switch *pr.State {
	case "open":
		return scm.Status{State: scm.Open}, nil
	case "closed":
		if pr.Merged == nil {
			// merged tells merged from closed; without it, say nothing.
			return scm.Status{}, fmt.Errorf("decoding pull request: closed, without merged: %w", scm.ErrUnexpected)
		}
		st := scm.Status{State: scm.Closed, ClosedAt: pr.GetClosedAt().Time}
		if *pr.Merged {
			st.State = scm.Merged
			if st.ClosedAt.IsZero() {
				st.ClosedAt = pr.GetMergedAt().Time
			}
		}
		return st, nil
	}
	return scm.Status{}, fmt.Errorf("decoding pull request: state %q: %w", scm.OneLine(*pr.State, 40), scm.ErrUnexpected)
}

// fail names the pull request in err and returns the status that goes with
// it: Missing when GitHub said the PR does not exist, Unknown otherwise.
func (c *Client) fail(ctx context.Context, ref scm.Ref, err error) (scm.Status, error) {
	err = c.scrubbed(fmt.Errorf("reading pull request %s: %w", ref, err))
	c.log.LogAttrs(ctx, slog.LevelDebug, "reading pull request failed", slog.String("pr", ref.String()), slog.String("error", err.Error()))
	if errors.Is(err, scm.ErrNotFound) {
		return scm.Status{State: scm.Missing, ReadAt: c.now()}, err
	}
	return scm.Status{State: scm.Unknown, Error: err.Error()}, err
}
