package ghcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/prsweep/prsweep/internal/registry"
)

// maxAPIBody bounds an API answer read: a page of 100 versions is far smaller.
const maxAPIBody = 8 << 20

// answer is an API answer that passed: its body and headers.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one API request to target (a path under the API base, escaped, with
// its query, or an absolute URL on the API's host from a Link) and returns the
// answer when its status is one of ok; any other status is mapped by apiError.
func (c *Client) call(ctx context.Context, method, target string, ok ...int) (answer, error) {
	u, err := c.resolve(target)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return answer{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, redacted(req.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: reading the answer: %w", method, redacted(req.URL), err)
	}
	if s, has := resp.Header["X-Oauth-Scopes"]; has {
		scopes := strings.Join(s, ",")
		c.mu.Lock()
		c.scopes = &scopes
		c.mu.Unlock()
	}
	for _, s := range ok {
		if resp.StatusCode == s {
			return answer{resp.StatusCode, resp.Header, body}, nil
		}
	}
	return answer{}, fmt.Errorf("%s %s: %w", method, redacted(req.URL), apiError(resp.StatusCode, body))
}

// getJSON sends GET target and decodes a 200 answer into out.
func (c *Client) getJSON(ctx context.Context, target string, out any) (answer, error) {
	a, err := c.call(ctx, http.MethodGet, target, http.StatusOK)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return a, fmt.Errorf("GET %s: the answer is not what GitHub documents: %w", target, err)
	}
	return a, nil
}

// resolve turns a target into a URL on the API's host; a Link to another host or
// scheme is refused (the token would go with it).
func (c *Client) resolve(target string) (string, error) {
	if !strings.Contains(target, "://") {
		return c.api.String() + target, nil
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != c.api.Scheme || u.Host != c.api.Host || !strings.HasPrefix(u.Path, c.api.Path) {
		return "", fmt.Errorf("GitHub sent a page link outside its API (%s)", redactedString(target))
	}
	return target, nil
}

// Refusals GitHub answers to a version DELETE that no retry can change.
const (
	downloadsRefusal = "more than 5000 downloads"
	lastTagRefusal   = "last tagged version"
	lastRefusal      = "last version of a package"
)

// apiError maps a GitHub error answer ({"message": …, "documentation_url": …}) onto
// registry's sentinels.
func apiError(status int, body []byte) error {
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	msg := oneLine(e.Message)
	detail := fmt.Sprintf("HTTP %d", status)
	if msg != "" {
		detail += ": " + msg
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, downloadsRefusal) || strings.Contains(lower, "more than 5,000 downloads"):
		return fmt.Errorf("%w: GitHub does not delete a public package version downloaded more than 5,000 times (only GitHub Support can); not retried (%s)", registry.ErrUnsupported, detail)
	case strings.Contains(lower, lastTagRefusal) || strings.Contains(lower, lastRefusal):
		return fmt.Errorf("%w: GitHub does not delete a package's last tagged version (only the whole package); not retried (%s)", registry.ErrUnsupported, detail)
	case status == http.StatusTooManyRequests:
		return fmt.Errorf("rate limited by GitHub, still after the retries (%s)", detail)
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return fmt.Errorf("%w (%s)", registry.ErrUnauthorized, detail)
	case status == http.StatusNotFound:
		return fmt.Errorf("%w (%s)", registry.ErrNotFound, detail)
	}
	return fmt.Errorf("unexpected answer from GitHub (%s)", detail)
}

// nextLink returns the rel="next" URL of a Link header, or "".
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if k == "rel" && strings.Trim(v, `"`) == "next" {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

// pages follows the Link pages of a listing from first, handing each page's body
// to page; a Link already followed fails it, as a listing that never ends.
func (c *Client) pages(ctx context.Context, first string, page func(body []byte) error) error {
	seen := map[string]bool{}
	for next := first; next != ""; {
		if seen[next] {
			return fmt.Errorf("GitHub sent a page link already followed (%s): the listing would never end", redactedString(next))
		}
		seen[next] = true
		a, err := c.call(ctx, http.MethodGet, next, http.StatusOK)
		if err != nil {
			return err
		}
		if err := page(a.body); err != nil {
			return fmt.Errorf("GET %s: the answer is not what GitHub documents: %w", redactedString(next), err)
		}
		next = nextLink(a.header)
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// redacted shows a URL without its query's values that could be secrets (GitHub's
// API URLs carry none, but a Link could).
func redacted(u *url.URL) string {
	v := *u
	v.RawQuery, v.User = "", nil
	return v.String()
}

func redactedString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return redacted(u)
}

// unwrapURLError drops *url.Error's repetition of the method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
