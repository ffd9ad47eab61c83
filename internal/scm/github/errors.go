package github

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v84/github"

	"github.com/prsweep/prsweep/internal/scm"
)

const maxMessage = 200 // runes of GitHub's message kept in errors

// describe turns what go-github returned into an error wrapping the scm sentinel
// that says what kind of failure it was: ErrNotFound for 404, ErrUnauthorized for
// 401 and a 403 that is no rate limit, ErrUnexpected for what the API does not
// document; rate limits, 5xx and transport errors wrap none (the state is unknown).
func describe(err error) error {
	if rl, ok := errors.AsType[*gh.RateLimitError](err); ok {
		return fmt.Errorf("status %d: github's primary rate limit (%s) is spent until %s%s",
			code(rl.Response), scm.OneLine(rl.Rate.Resource, 20), rl.Rate.Reset.UTC().Format(time.RFC3339), detail(rl.Message))
	}
	if ab, ok := errors.AsType[*gh.AbuseRateLimitError](err); ok {
		return fmt.Errorf("status %d: github's secondary rate limit%s", code(ab.Response), detail(ab.Message))
	}
	if re, ok := errors.AsType[*gh.RedirectionError](err); ok {
		to := "nowhere"
		if re.Location != nil {
			to = re.Location.Path
		}
		return fmt.Errorf("status %d to %s: the repository was renamed or transferred; set the rule's repo to its new name: %w",
			re.StatusCode, scm.OneLine(to, 100), scm.ErrUnexpected)
	}
	if er, ok := errors.AsType[*gh.ErrorResponse](err); ok && er.Response != nil {
		c, d := er.Response.StatusCode, detail(er.Message)
		switch {
		case c == http.StatusNotFound:
			return fmt.Errorf("status 404%s: %w", d, scm.ErrNotFound)
		case c == http.StatusUnauthorized || c == http.StatusForbidden:
			return fmt.Errorf("status %d%s: %w", c, d, scm.ErrUnauthorized)
		case c == http.StatusTooManyRequests || c >= 500:
			return fmt.Errorf("status %d%s", c, d)
		}
		return fmt.Errorf("status %d%s: %w", c, d, scm.ErrUnexpected)
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err // the URL says nothing the caller does not
	}
	_, syntax := errors.AsType[*json.SyntaxError](err)
	_, typ := errors.AsType[*json.UnmarshalTypeError](err)
	if syntax || typ {
		return fmt.Errorf("decoding the answer: %w: %w", err, scm.ErrUnexpected)
	}
	return err
}

func code(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// detail formats GitHub's message for an error: trimmed, one line, in parentheses.
func detail(msg string) string {
	msg = scm.OneLine(msg, maxMessage)
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

var (
	ownerName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoName  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// splitRepo checks that repo is owner/name as GitHub spells them: a tag can never
// change the request's path.
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || !ownerName.MatchString(owner) || !repoName.MatchString(name) || name == "." || name == ".." {
		return "", "", fmt.Errorf("repository %q is not owner/name: %w", scm.OneLine(repo, 100), scm.ErrUnexpected)
	}
	return owner, name, nil
}

// parseNumber accepts only digits: GitHub's numbers are positive 32-bit ints.
func parseNumber(n string) (int, error) {
	if n == "" || strings.TrimLeft(n, "0123456789") != "" {
		return 0, fmt.Errorf("parsing pull-request number %q: not all digits: %w", scm.OneLine(n, 40), scm.ErrUnexpected)
	}
	v, err := strconv.ParseInt(n, 10, 32)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("parsing pull-request number %q: out of range: %w", scm.OneLine(n, 40), scm.ErrUnexpected)
	}
	return int(v), nil
}

// tokenShape matches GitHub's tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_),
// which an installation token is too, though the client was never given it.
var tokenShape = regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})`)

// scrubbed hides the credential anywhere in err's text and keeps only the scm
// sentinels (scm.Scrubbed).
func (c *Client) scrubbed(err error) error { return scm.Scrubbed(err, c.scrub) }

func (c *Client) scrub(s string) string {
	for _, secret := range c.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return tokenShape.ReplaceAllString(s, "***")
}
