package azuredevops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// Azure DevOps answers "no such pull request" (TF401180) also for a pull request in
// a repository the identity may not read: it hides what it will not show behind a
// 404. So "missing" is proof only while the identity can read every repository of
// the project. CheckRepositories tests that; WithMissingCheck makes State test it
// before it answers ErrNotFound.

// errNoRepository is ADO's 404 for a repository: TF401019, "does not exist or you do
// not have permissions".
var errNoRepository = errors.New("repository not found or not readable")

// readConcurrency bounds the repository reads of one check.
const readConcurrency = 4

// proofTTL is how long a check's verdict stands before State checks again.
const proofTTL = 15 * time.Minute

// repository is the part of a GitRepository a check needs.
type repository struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IsDisabled bool   `json:"isDisabled"`
}

// CheckRepositories lists the project's git repositories and reads at most one pull
// request of each (…/repositories/{id}/pullrequests?searchCriteria.status=all&$top=1),
// which takes the same Code (Read) permission as reading a pull request by id. It
// returns how many repositories were read. The error names every repository the
// identity cannot read (404 TF401019, 401, 403, or disabled) and then wraps
// scm.ErrUnauthorized; an error without it means the check could not be completed.
//
// A repository the identity cannot even list is beyond this check.
func (c *Client) CheckRepositories(ctx context.Context) (int, error) {
	repos, err := c.repositories(ctx)
	if err != nil {
		return 0, c.scrubbed(fmt.Errorf("listing the repositories of project %s: %w", c.project, err))
	}
	if len(repos) == 0 {
		return 0, fmt.Errorf("listing the repositories of project %s: the identity sees none, so it reads no pull request: %w",
			c.project, scm.ErrUnauthorized)
	}
	results := make([]error, len(repos))
	sem := make(chan struct{}, readConcurrency)
	var wg sync.WaitGroup
	for i, r := range repos {
		if r.IsDisabled {
			results[i] = fmt.Errorf("disabled: %w", errNoRepository)
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, results[i] = c.getJSON(ctx, c.base+"/"+url.PathEscape(c.project)+"/_apis/git/repositories/"+
				url.PathEscape(r.ID)+"/pullrequests?searchCriteria.status=all&%24top=1&api-version=7.1")
		})
	}
	wg.Wait()

	var unreadable []string
	var failed []error
	for i, err := range results {
		switch {
		case err == nil:
		case repos[i].IsDisabled:
			unreadable = append(unreadable, fmt.Sprintf("%q (disabled)", scm.OneLine(repos[i].Name, 100)))
		case errors.Is(err, errNoRepository):
			unreadable = append(unreadable, fmt.Sprintf("%q (404 TF401019: not found or not permitted)", scm.OneLine(repos[i].Name, 100)))
		case errors.Is(err, scm.ErrUnauthorized):
			unreadable = append(unreadable, fmt.Sprintf("%q (%v)", scm.OneLine(repos[i].Name, 100), err))
		default:
			failed = append(failed, fmt.Errorf("reading the pull requests of repository %q: %w", scm.OneLine(repos[i].Name, 100), err))
		}
	}
	if len(unreadable) > 0 {
		word := "repository"
		if len(unreadable) > 1 {
			word = "repositories"
		}
		failed = append(failed, fmt.Errorf("the identity cannot read %s %s, of %d in project %s: %w",
			word, strings.Join(unreadable, ", "), len(repos), c.project, scm.ErrUnauthorized))
	}
	if len(failed) > 0 {
		return len(repos) - len(unreadable), c.scrubbed(errors.Join(failed...))
	}
	return len(repos), nil
}

// repositories lists the project's git repositories.
func (c *Client) repositories(ctx context.Context) ([]repository, error) {
	body, err := c.getJSON(ctx, c.base+"/"+url.PathEscape(c.project)+"/_apis/git/repositories?api-version=7.1")
	if err != nil {
		return nil, err
	}
	var list struct {
		Value *[]repository `json:"value"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decoding the list: %w: %w", err, scm.ErrUnexpected)
	}
	if list.Value == nil {
		return nil, fmt.Errorf("decoding the list: no value: %w", scm.ErrUnexpected)
	}
	for _, r := range *list.Value {
		if r.ID == "" || r.Name == "" {
			return nil, fmt.Errorf("decoding the list: a repository without id or name: %w", scm.ErrUnexpected)
		}
	}
	return *list.Value, nil
}

// getJSON sends GET u and returns the body of a 200 JSON answer. Any other answer is
// an error: scm.ErrUnauthorized for 203 (sign-in page), 401 and 403; errNoRepository
// for TF401019; scm.ErrUnexpected for what the API does not document.
func (c *Client) getJSON(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	req.Header.Set("Authorization", c.auth)
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the URL says nothing the caller does not
		}
		return nil, err
	}
	defer resp.Body.Close()
	code := resp.StatusCode
	if code == http.StatusNonAuthoritativeInfo {
		return nil, fmt.Errorf("status 203 (sign-in page): %w", scm.ErrUnauthorized)
	}
	body, tooLong, err := readBody(resp.Body, maxBody)
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading status %d body: %w", code, err)
	case tooLong:
		return nil, fmt.Errorf("status %d with a body over 1 MiB: %w", code, scm.ErrUnexpected)
	}
	isJSON := jsonContent(resp.Header.Get("Content-Type"))
	var envelope adoError
	if isJSON {
		_ = json.Unmarshal(body, &envelope) // best effort: only for the error text
	}
	detail := c.detail(envelope.Message)
	switch {
	case code == http.StatusOK && isJSON:
		return body, nil
	case code == http.StatusOK:
		return nil, fmt.Errorf("status 200 with content type %q: %w", scm.OneLine(resp.Header.Get("Content-Type"), 60), scm.ErrUnexpected)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, fmt.Errorf("status %d%s: %w", code, detail, scm.ErrUnauthorized)
	case code == http.StatusNotFound && isJSON &&
		(envelope.TypeKey == "GitRepositoryNotFoundException" || strings.HasPrefix(envelope.Message, "TF401019")):
		return nil, fmt.Errorf("status 404%s: %w", detail, errNoRepository)
	case code == http.StatusTooManyRequests || code >= 500:
		return nil, fmt.Errorf("status %d%s", code, detail)
	}
	return nil, fmt.Errorf("status %d%s: %w", code, detail, scm.ErrUnexpected)
}

// WithMissingCheck makes State answer "no such pull request" (scm.ErrNotFound) only
// while CheckRepositories passes: the first such answer runs the check, and its
// verdict stands for 15 minutes (by WithClock's clock). When the check fails, the
// pull request's state is unknown instead, and the failure is logged once per check.
// Use it where a rule deletes missing.
func WithMissingCheck() Option {
	return func(s *settings) error {
		s.missingCheck = true
		return nil
	}
}

// missingProof is the standing verdict of CheckRepositories for State.
type missingProof struct {
	mu      sync.Mutex // held during a check: concurrent "not found" answers wait for one
	checked time.Time  // zero: never
	err     error
}

func newProof(on bool) *missingProof {
	if !on {
		return nil
	}
	return &missingProof{}
}

// proveMissing returns notFound when "not found" can be trusted, and otherwise an
// error that wraps no sentinel, so that the state is unknown.
func (c *Client) proveMissing(ctx context.Context, notFound error) error {
	if c.proof == nil {
		return notFound
	}
	p := c.proof
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.checked.IsZero() || c.now().Sub(p.checked) >= proofTTL {
		n, err := c.CheckRepositories(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("%s; checking that it proves the pull request does not exist: %s", notFound, err)
		}
		p.checked, p.err = c.now(), err
		if err != nil {
			c.log.LogAttrs(ctx, slog.LevelWarn, "azure devops: no pull request is taken as missing, because the identity cannot read every repository",
				slog.String("project", c.project), slog.String("error", err.Error()))
		} else {
			c.log.LogAttrs(ctx, slog.LevelInfo, "azure devops: the identity reads every repository, so 'no such pull request' means missing",
				slog.String("project", c.project), slog.Int("repositories", n))
		}
	}
	if p.err != nil {
		return fmt.Errorf("%s, but that proves nothing: %s", notFound, p.err)
	}
	return notFound
}
