package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/scm"
)

// Check proves, for prsweep validate, that the token reads the merge requests of
// each project in repos (templates skipped) and of the default project: GET /projects/:id (the
// project is visible), then GET /projects/:id/merge_requests?state=all&per_page=1
// (its merge requests are). A job token skips the first: GitLab does not let job
// tokens read projects, only (on versions that allow it) merge requests. The
// error names every project that failed, and wraps scm.ErrUnauthorized when the
// token or its scope was refused.
func (c *Client) Check(ctx context.Context, repos []string) error {
	var projects []string
	for _, r := range repos {
		if !strings.Contains(r, "{") && !slices.Contains(projects, r) {
			projects = append(projects, r) // a template ({name}) names a project only per image repository
		}
	}
	if c.project != "" && !slices.Contains(projects, c.project) {
		projects = append(projects, c.project)
	}
	if len(projects) == 0 {
		return fmt.Errorf("no project to check: set project on the source, or a repo without a template on a rule: %w", scm.ErrUnexpected)
	}
	var errs []error
	for _, p := range projects {
		if err := c.checkProject(ctx, p); err != nil {
			errs = append(errs, c.scrubbed(err))
		}
	}
	return errors.Join(errs...)
}

func (c *Client) checkProject(ctx context.Context, project string) error {
	id, err := projectID(project)
	if err != nil {
		return err
	}
	if c.tokenType != JobToken {
		a, err := c.get(ctx, c.api+"/projects/"+id, maxBody)
		if err != nil {
			return fmt.Errorf("reading project %s: %w", project, err)
		}
		if a.code != http.StatusOK || !a.json {
			return fmt.Errorf("reading project %s: %w", project, c.checkRefusal(a, project))
		}
		var p struct {
			ID   *int64 `json:"id"`
			Path string `json:"path_with_namespace"`
		}
		if err := json.Unmarshal(a.body, &p); err != nil || p.ID == nil {
			return fmt.Errorf("reading project %s: not a project: %w", project, scm.ErrUnexpected)
		}
		if !strings.EqualFold(p.Path, project) && fmt.Sprint(*p.ID) != project {
			return fmt.Errorf("reading project %s: GitLab answered with project %q: %w", project, scm.OneLine(p.Path, 100), scm.ErrUnexpected)
		}
	}
	a, err := c.get(ctx, c.api+"/projects/"+id+"/merge_requests?per_page=1&state=all", maxBody)
	if err != nil {
		return fmt.Errorf("listing the merge requests of %s: %w", project, err)
	}
	if a.code != http.StatusOK || !a.json {
		return fmt.Errorf("listing the merge requests of %s: %w", project, c.checkRefusal(a, project))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(a.body, &items); err != nil {
		return fmt.Errorf("listing the merge requests of %s: not a list: %w", project, scm.ErrUnexpected)
	}
	return nil
}

// checkRefusal is refusal with the scope to ask for said once more: a project
// GitLab hides is, for validate, one the token may not read.
func (c *Client) checkRefusal(a *answer, project string) error {
	err := c.refusal(a, project)
	if errors.Is(err, errNoProject) {
		return fmt.Errorf("%w: %w", err, scm.ErrUnauthorized)
	}
	return err
}
