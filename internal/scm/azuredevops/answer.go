package azuredevops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
)

const (
	maxBody    = 1 << 20 // a PR is a few KiB; anything near this is not a PR
	maxMessage = 200     // runes of ADO's message kept in errors
)

// pullRequest holds the fields of a GitPullRequest that decide its state.
// Pointers tell a missing field from a zero one.
type pullRequest struct {
	PullRequestID *int64  `json:"pullRequestId"`
	Status        *string `json:"status"`
	ClosedDate    *string `json:"closedDate"`
}

// adoError is ADO's error envelope (message, typeKey, …).
type adoError struct {
	Message string `json:"message"`
	TypeKey string `json:"typeKey"`
}

// interpret turns ADO's answer for pull request id into a Status, or into an
// error wrapping the scm sentinel that says what kind of failure it was.
func (c *Client) interpret(resp *http.Response, id int64) (scm.Status, error) {
	code := resp.StatusCode
	if code == http.StatusNonAuthoritativeInfo {
		// ADO's answer to a bad credential on a GET: an HTML sign-in page.
		return scm.Status{}, fmt.Errorf("status 203 (sign-in page): %w", scm.ErrUnauthorized)
	}
	body, tooLong, err := readBody(resp.Body, maxBody)
	if err != nil {
		return scm.Status{}, fmt.Errorf("reading status %d body: %w", code, err)
	}
	if tooLong {
		return scm.Status{}, fmt.Errorf("status %d with a body over 1 MiB: %w", code, scm.ErrUnexpected)
	}
	isJSON := jsonContent(resp.Header.Get("Content-Type"))
	var envelope adoError
	if isJSON {
		_ = json.Unmarshal(body, &envelope) // best effort: only for the error text
	}
	detail := c.detail(envelope.Message)

	switch {
	case code == http.StatusOK:
		if !isJSON {
			return scm.Status{}, fmt.Errorf("status 200 with content type %q: %w", resp.Header.Get("Content-Type"), scm.ErrUnexpected)
		}
		return decodePR(body, id)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return scm.Status{}, fmt.Errorf("status %d%s: %w", code, detail, scm.ErrUnauthorized)
	case code == http.StatusNotFound:
		// Only ADO's own "no such PR" counts: a wrong org or project also
		// answers 404, and must never make pull requests look missing.
		if isJSON && (envelope.TypeKey == "GitPullRequestNotFoundException" || strings.HasPrefix(envelope.Message, "TF401180")) {
			return scm.Status{}, fmt.Errorf("status 404%s: %w", detail, scm.ErrNotFound)
		}
		return scm.Status{}, fmt.Errorf("status 404 without a pull-request-not-found body%s: %w", detail, scm.ErrUnexpected)
	case code == http.StatusTooManyRequests || code >= 500:
		// Retries are spent by now; the state is unknown, the answer is not odd.
		if ra := scm.OneLine(resp.Header.Get("Retry-After"), 40); ra != "" {
			return scm.Status{}, fmt.Errorf("status %d%s, Retry-After %s", code, detail, ra)
		}
		return scm.Status{}, fmt.Errorf("status %d%s", code, detail)
	case code >= 300 && code < 400:
		return scm.Status{}, fmt.Errorf("status %d redirecting to %s: %w", code, c.location(resp), scm.ErrUnexpected)
	}
	return scm.Status{}, fmt.Errorf("status %d%s: %w", code, detail, scm.ErrUnexpected)
}

func decodePR(body []byte, id int64) (scm.Status, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return scm.Status{}, fmt.Errorf("decoding pull request: not a JSON object: %w", scm.ErrUnexpected)
	}
	var pr pullRequest
	if err := json.Unmarshal(body, &pr); err != nil {
		return scm.Status{}, fmt.Errorf("decoding pull request: %w: %w", err, scm.ErrUnexpected)
	}
	switch {
	case pr.PullRequestID == nil:
		return scm.Status{}, fmt.Errorf("decoding pull request: no pullRequestId: %w", scm.ErrUnexpected)
	case *pr.PullRequestID != id:
		return scm.Status{}, fmt.Errorf("decoding pull request: pullRequestId is %d: %w", *pr.PullRequestID, scm.ErrUnexpected)
	case pr.Status == nil:
		return scm.Status{}, fmt.Errorf("decoding pull request: no status: %w", scm.ErrUnexpected)
	}
	var st scm.Status
	switch *pr.Status {
	case "active":
		return scm.Status{State: scm.Open}, nil
	case "completed":
		st.State = scm.Merged
	case "abandoned":
		st.State = scm.Closed
	default:
		// notSet, all, or a word the API does not document: never a reason to delete.
		return scm.Status{}, fmt.Errorf("decoding pull request: status %q: %w", scm.OneLine(*pr.Status, 40), scm.ErrUnexpected)
	}
	if pr.ClosedDate != nil && *pr.ClosedDate != "" {
		t, err := time.Parse(time.RFC3339, *pr.ClosedDate)
		if err != nil {
			// The grace period counts from here; a date we cannot read is no date.
			return scm.Status{}, fmt.Errorf("decoding pull request: closedDate %q: %w", scm.OneLine(*pr.ClosedDate, 40), scm.ErrUnexpected)
		}
		st.ClosedAt = t
	}
	return st, nil
}

// detail formats ADO's message for an error: trimmed, one line, in
// parentheses, and without the credential.
func (c *Client) detail(msg string) string {
	msg = scm.OneLine(c.scrub(msg), maxMessage)
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

func (c *Client) location(resp *http.Response) string {
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.String() == "" {
		return "nowhere"
	}
	return c.scrub(httpx.RedactURL(u))
}

func jsonContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
