package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
)

const (
	maxBody     = 1 << 20  // a merge request or a project is a few KiB
	maxListBody = 32 << 20 // 100 merge requests with long descriptions
	maxMessage  = 200      // runes of GitLab's message kept in errors
)

var (
	// errNoProject: 404 Project Not Found, for a project that does not exist or
	// that the caller cannot see. Never a reason to call a merge request missing.
	errNoProject = errors.New("project not found, or not visible to the token")
	// errNoRecord: 404 Not found from a readable project.
	errNoRecord = errors.New("not found")
)

// answer is one response, read whole.
type answer struct {
	code    int
	header  http.Header
	body    []byte
	json    bool
	message string // GitLab's message or error, cleaned; "" when none
	errKey  string // the "error" field (insufficient_scope, …)
}

// get sends GET u with the token and reads at most limit bytes of the answer.
// Only a failure to get an answer is an error.
func (c *Client) get(ctx context.Context, u string, limit int64) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(c.header, c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the URL says nothing the caller does not
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading status %d body: %w", resp.StatusCode, err)
	case int64(len(body)) > limit:
		return nil, fmt.Errorf("status %d with a body over %d MiB: %w", resp.StatusCode, limit>>20, scm.ErrUnexpected)
	}
	a := &answer{code: resp.StatusCode, header: resp.Header, body: body, json: jsonContent(resp.Header.Get("Content-Type"))}
	if a.json && resp.StatusCode != http.StatusOK {
		var env struct {
			Message any    `json:"message"` // a string, or an object of field errors
			Error   string `json:"error"`
			Desc    string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &env) // best effort: only for the error text
		msg, _ := env.Message.(string)
		if env.Message != nil && msg == "" {
			b, _ := json.Marshal(env.Message)
			msg = string(b)
		}
		a.message, a.errKey = scm.OneLine(c.scrub(strings.TrimSpace(msg+" "+env.Error+" "+env.Desc)), maxMessage), env.Error
	}
	return a, nil
}

// refusal turns an answer other than 200 into an error for project: scm.ErrUnauthorized
// for 401 and 403, errNoProject and errNoRecord for GitLab's two 404s,
// scm.ErrUnexpected for what the API does not document, a plain error for 429 and
// 5xx (retries are spent: the state is unknown, the answer is not odd).
func (c *Client) refusal(a *answer, project string) error {
	detail := ""
	if a.message != "" {
		detail = " (" + a.message + ")"
	}
	switch code := a.code; {
	case code == http.StatusUnauthorized:
		return fmt.Errorf("status 401%s: the %s token was refused (wrong, expired or revoked; is tokenType right?): %w",
			detail, c.tokenType, scm.ErrUnauthorized)
	case code == http.StatusForbidden && a.errKey == "insufficient_scope":
		return fmt.Errorf("status 403%s: the token needs the read_api scope: %w", detail, scm.ErrUnauthorized)
	case code == http.StatusForbidden:
		return fmt.Errorf("status 403%s: the token's user may not read the merge requests of %s: %w", detail, project, scm.ErrUnauthorized)
	case code == http.StatusNotFound && a.json && a.message == "404 Project Not Found":
		hint := " (the token needs read_api and at least the Reporter role there, or Guest on a public project)"
		if c.tokenType == JobToken {
			hint = " (a job token reads merge requests only on GitLab versions that allow it on this API, and only in projects whose job token allowlist admits the job's project)"
		}
		return fmt.Errorf("status 404: project %s%s: %w", project, hint, errNoProject)
	case code == http.StatusNotFound && a.json && a.message == "404 Not found":
		return fmt.Errorf("status 404%s: %w", detail, errNoRecord)
	case code == http.StatusTooManyRequests || code >= 500:
		if ra := scm.OneLine(a.header.Get("Retry-After"), 40); ra != "" {
			return fmt.Errorf("status %d%s, Retry-After %s", code, detail, ra)
		}
		return fmt.Errorf("status %d%s", code, detail)
	case code >= 300 && code < 400:
		where := "nowhere"
		if u, err := url.Parse(a.header.Get("Location")); err == nil && u.String() != "" {
			where = c.scrub(httpx.RedactURL(u))
		}
		return fmt.Errorf("status %d redirecting to %s: %w", code, where, scm.ErrUnexpected)
	case code == http.StatusOK:
		return fmt.Errorf("status 200 with content type %q: %w", scm.OneLine(a.header.Get("Content-Type"), 60), scm.ErrUnexpected)
	}
	return fmt.Errorf("status %d%s: %w", a.code, detail, scm.ErrUnexpected)
}

// mergeRequest holds the fields of a merge request that decide its state
// (decodeObject). Pointers tell a missing field from a zero one.
type mergeRequest struct {
	IID       *int64
	ProjectID *int64
	State     *string
	MergedAt  *string
	ClosedAt  *string
}

func decodeMR(a *answer) (mergeRequest, error) {
	if !a.json {
		return mergeRequest{}, fmt.Errorf("status 200 with content type %q: %w", scm.OneLine(a.header.Get("Content-Type"), 60), scm.ErrUnexpected)
	}
	return decodeObject(a.body)
}

// decodeObject reads a merge request's fields by their exact names: encoding/json
// would also take "State" or "STATE" for state, which GitLab never sends.
func decodeObject(b []byte) (mergeRequest, error) {
	var mr mergeRequest
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return mr, fmt.Errorf("decoding merge request: not a JSON object: %w", scm.ErrUnexpected)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return mr, fmt.Errorf("decoding merge request: %w: %w", err, scm.ErrUnexpected)
	}
	for name, dst := range map[string]any{"iid": &mr.IID, "project_id": &mr.ProjectID, "state": &mr.State,
		"merged_at": &mr.MergedAt, "closed_at": &mr.ClosedAt} {
		if raw, ok := fields[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return mr, fmt.Errorf("decoding merge request: %s: %w: %w", name, err, scm.ErrUnexpected)
			}
		}
	}
	return mr, nil
}

// status maps GitLab's state onto scm's: opened→Open, merged→Merged,
// closed→Closed, locked→Closed (SPEC.md). A locked merge request has no closing
// time yet, so a rule with a grace period keeps it.
func (mr mergeRequest) status() (scm.Status, error) {
	if mr.State == nil {
		return scm.Status{}, fmt.Errorf("decoding merge request: no state: %w", scm.ErrUnexpected)
	}
	var st scm.Status
	var at *string
	switch *mr.State {
	case "opened":
		return scm.Status{State: scm.Open}, nil
	case "merged":
		st.State, at = scm.Merged, mr.MergedAt
	case "closed":
		st.State, at = scm.Closed, mr.ClosedAt
	case "locked":
		return scm.Status{State: scm.Closed}, nil
	default:
		// A word the API does not document: never a reason to delete.
		return scm.Status{}, fmt.Errorf("decoding merge request: state %q: %w", scm.OneLine(*mr.State, 40), scm.ErrUnexpected)
	}
	if at != nil && *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			// The grace period counts from here; a date we cannot read is no date.
			return scm.Status{}, fmt.Errorf("decoding merge request: closing time %q: %w", scm.OneLine(*at, 40), scm.ErrUnexpected)
		}
		st.ClosedAt = t
	}
	return st, nil
}

func jsonContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
