package gitlab

import (
	"context"
	"errors"
	"fmt"
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

// DefaultURL is the instance a source without url reads from.
const DefaultURL = "https://gitlab.com"

var (
	_ scm.Provider = (*Client)(nil)
	_ scm.Batcher  = (*Client)(nil)
	_ scm.Checker  = (*Client)(nil)
)

// Client reads merge-request states from one GitLab instance. It is safe for
// concurrent use.
type Client struct {
	api       string // base URL + /api/v4, no trailing slash
	project   string // default project (WithProject); "" when rules name theirs
	header    string // PRIVATE-TOKEN or JOB-TOKEN
	tokenType TokenType
	token     string // never logged, never in errors
	http      *http.Client
	log       *slog.Logger
	now       func() time.Time
}

// New returns a client for the instance at baseURL (DefaultURL when empty; a
// self-managed https://gitlab.example.com, with its relative root if any; a
// trailing /api/v4 is accepted). Requests go through httpx layers, outermost
// first: UserAgent("prsweep"), Retry, GitLab's RateLimit-Reset as Retry-After
// (ratelimit.go), the sweep's Limiter (WithLimiter), Timeouts.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultURL
	}
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("creating gitlab client: %w", err)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("creating gitlab client: missing token")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, errors.New("creating gitlab client: token contains spaces or control characters")
	}
	s := settings{ClientStack: httpx.NewClientStack(), tokenType: PrivateToken}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, fmt.Errorf("creating gitlab client: %w", err)
		}
	}
	// GitLab's RateLimit-Reset as a Retry-After (ratelimit.go), read by the same
	// clock as the retry layer's Retry-After dates.
	hinted := func(next http.RoundTripper) http.RoundTripper { return &rateLimitHints{next: next, now: s.Now} }
	hc := s.Build(hinted, nil, httpx.WithClock(s.Now))
	header := "PRIVATE-TOKEN"
	if s.tokenType == JobToken {
		header = "JOB-TOKEN"
	}
	return &Client{
		api: base + "/api/v4", project: s.project, header: header, tokenType: s.tokenType, token: token,
		http: hc, log: s.Log, now: s.Now,
	}, nil
}

// String names the client without its credential, for %v in logs.
func (c *Client) String() string { return "gitlab(" + strings.TrimSuffix(c.api, "/api/v4") + ")" }

// GoString keeps %#v from printing the credential.
func (c *Client) GoString() string { return c.String() }

// State reads merge request ref.Number of project ref.Repo (or the default
// project).
func (c *Client) State(ctx context.Context, ref scm.Ref) (scm.Status, error) {
	project, id, err := c.projectOf(ref)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	iid, err := parseIID(ref.Number)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	a, err := c.get(ctx, c.api+"/projects/"+id+"/merge_requests/"+strconv.FormatInt(iid, 10), maxBody)
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	if a.code != http.StatusOK {
		err := c.refusal(a, project)
		if errors.Is(err, errNoRecord) {
			// A readable project without this merge request: it does not exist.
			err = fmt.Errorf("%w: %w", err, scm.ErrNotFound)
		}
		return c.fail(ctx, ref, err)
	}
	mr, err := decodeMR(a)
	if err == nil && (mr.IID == nil || *mr.IID != iid) {
		err = fmt.Errorf("decoding merge request: iid is not %d: %w", iid, scm.ErrUnexpected)
	}
	var st scm.Status
	if err == nil {
		st, err = mr.status()
	}
	if err != nil {
		return c.fail(ctx, ref, err)
	}
	st.ReadAt = c.now()
	c.log.LogAttrs(ctx, slog.LevelDebug, "read merge request", slog.String("pr", ref.String()), slog.String("state", string(st.State)))
	return st, nil
}

// fail names the merge request in err and returns the status that goes with it:
// Missing when GitLab said it does not exist, Unknown otherwise.
func (c *Client) fail(ctx context.Context, ref scm.Ref, err error) (scm.Status, error) {
	err = c.scrubbed(fmt.Errorf("reading merge request %s: %w", ref, err))
	c.log.LogAttrs(ctx, slog.LevelDebug, "reading merge request failed", slog.String("pr", ref.String()), slog.String("error", err.Error()))
	if errors.Is(err, scm.ErrNotFound) {
		return scm.Status{State: scm.Missing, ReadAt: c.now()}, err
	}
	return scm.Status{State: scm.Unknown, Error: err.Error()}, err
}

// projectOf returns the project a ref names (its Repo, else the default) and
// its :id as it goes in a path.
func (c *Client) projectOf(ref scm.Ref) (project, id string, err error) {
	project = ref.Repo
	if project == "" {
		project = c.project
	}
	if project == "" {
		return "", "", fmt.Errorf("no project: set repo on the rule or project on the source: %w", scm.ErrUnexpected)
	}
	id, err = projectID(project)
	return project, id, err
}

// projectID validates a project's numeric id or full path and returns it as the
// :id of a path: digits as they are, a path URL-encoded (group%2Fsub%2Fapp).
func projectID(p string) (string, error) {
	if p != "" && strings.Trim(p, "0123456789") == "" {
		return p, nil
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		ok := s != "" && s != "." && s != ".." && !strings.ContainsFunc(s, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
		})
		if !ok {
			return "", fmt.Errorf("project %q is neither a numeric id nor a path like group/project: %w", scm.OneLine(p, 100), scm.ErrUnexpected)
		}
	}
	return url.PathEscape(p), nil
}

// parseIID accepts only digits: a tag's number must never be able to change the
// request's path or query.
func parseIID(n string) (int64, error) {
	if n == "" || strings.Trim(n, "0123456789") != "" {
		return 0, fmt.Errorf("parsing merge request iid %q: not all digits: %w", scm.OneLine(n, 40), scm.ErrUnexpected)
	}
	iid, err := strconv.ParseInt(n, 10, 64)
	if err != nil || iid < 1 {
		return 0, fmt.Errorf("parsing merge request iid %q: out of range: %w", n, scm.ErrUnexpected)
	}
	return iid, nil
}

func parseBaseURL(raw string) (string, error) {
	u, err := httpx.ParseBaseURL(raw, "GitLab URL")
	if err != nil {
		return "", err
	}
	u.RawPath = ""
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v4")
	return strings.TrimRight(u.String(), "/"), nil
}

// scrubbed hides the token anywhere in err's text and keeps only the scm
// sentinels and errNoProject (scm.Scrubbed).
func (c *Client) scrubbed(err error) error { return scm.Scrubbed(err, c.scrub, errNoProject) }

// scrub hides the token in text that came from the server, should it echo it.
func (c *Client) scrub(s string) string {
	return strings.ReplaceAll(s, c.token, "***")
}
