package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/registry"
)

// developer is GitLab's Developer role: the least that may delete container tags
// (destroy_container_image).
const developer = 30

// Check shows, changing nothing, that the token may list and delete tags: its
// scopes (GET /personal_access_tokens/self) include api, which the REST tag DELETE
// needs (read_api lists, read_registry pulls, neither deletes); the project or group
// is readable; and, for a project, the token's role is Developer or above. A token
// that cannot describe itself (a CI job token, an older GitLab) skips the scope
// check. The first of repos is listed, and its first tag read through the registry
// (pull).
func (c *Client) Check(ctx context.Context, repos []string) error {
	var errs []error
	var self struct {
		Scopes  []string `json:"scopes"`
		Active  *bool    `json:"active"`
		Revoked bool     `json:"revoked"`
	}
	u, err := c.endpoint("personal_access_tokens/self", nil)
	if err != nil {
		return err
	}
	switch resp, err := c.getJSON(ctx, u, &self); {
	case resp != nil && resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("checking the GitLab token: %w", err)
	case err != nil:
		c.log.Info("the GitLab token does not describe itself; its scopes are not checked", "error", err)
	case self.Revoked || (self.Active != nil && !*self.Active):
		errs = append(errs, fmt.Errorf("%w: the GitLab token is revoked or expired", registry.ErrUnauthorized))
	case !slices.Contains(self.Scopes, "api"):
		errs = append(errs, fmt.Errorf("%w: the GitLab token has scopes %s; deleting tags through GitLab's API needs api",
			registry.ErrUnauthorized, strings.Join(self.Scopes, ", ")))
	}
	if err := c.checkScope(ctx); err != nil {
		errs = append(errs, err)
	}
	if len(repos) > 0 && len(errs) == 0 {
		errs = append(errs, c.checkRead(ctx, repos[0]))
	}
	return errors.Join(errs...)
}

// checkRead lists repo's tags through GitLab and reads the first one's manifest
// through the registry, with a registry token from GitLab's /jwt/auth.
func (c *Client) checkRead(ctx context.Context, repo string) error {
	tags, err := c.Tags(ctx, repo)
	if err != nil || len(tags) == 0 {
		return err
	}
	if _, err := c.Resolve(ctx, repo, tags[0]); err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("reading %s:%s through the registry: %w", repo, tags[0], err)
	}
	return nil
}

// checkScope reads the project or group, and a project's role for the token.
func (c *Client) checkScope(ctx context.Context) error {
	u, err := c.endpoint(c.scope, nil)
	if err != nil {
		return err
	}
	var p struct {
		Permissions *struct {
			Project *struct {
				Level int `json:"access_level"`
			} `json:"project_access"`
			Group *struct {
				Level int `json:"access_level"`
			} `json:"group_access"`
		} `json:"permissions"`
	}
	if _, err := c.getJSON(ctx, u, &p); err != nil {
		return fmt.Errorf("reading %s: %w", c.scope, err)
	}
	if p.Permissions == nil || (p.Permissions.Project == nil && p.Permissions.Group == nil) {
		return nil // a group, or an administrator: GitLab says nothing of a role here
	}
	level := 0
	if p.Permissions.Project != nil {
		level = p.Permissions.Project.Level
	}
	if p.Permissions.Group != nil {
		level = max(level, p.Permissions.Group.Level)
	}
	if level < developer {
		return fmt.Errorf("%w: the token's role in %s (access level %d) may not delete container tags: Developer (30) or above is needed",
			registry.ErrUnauthorized, c.scope, level)
	}
	return nil
}
