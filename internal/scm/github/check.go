package github

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v84/github"

	"github.com/prsweep/prsweep/internal/scm"
)

// Check proves the credentials (prsweep validate): for each code repository
// rules name, it reads the repository (GET /repos/{owner}/{repo}) and one pull
// request of it (GET /repos/{owner}/{repo}/pulls?state=all&per_page=1). A
// repository written as a template ({repository}, {name}) is skipped: it is
// known only per image repository. With no repository to read, it reads
// GET /rate_limit, which proves the credentials alone. The error names each
// repository and the permission it lacks, and wraps scm.ErrUnauthorized where
// GitHub refused.
func (c *Client) Check(ctx context.Context, repos []string) error {
	var errs []error
	read := 0
	for _, repo := range repos {
		if strings.Contains(repo, "{") {
			continue
		}
		read++
		if err := c.checkRepo(ctx, repo); err != nil {
			errs = append(errs, err)
		}
	}
	if read == 0 {
		if _, _, err := c.api.RateLimit.Get(ctx); err != nil {
			errs = append(errs, fmt.Errorf("checking the credentials with GET /rate_limit: %w", describe(err)))
		}
	}
	if len(errs) > 0 {
		return c.scrubbed(errors.Join(errs...))
	}
	return nil
}

func (c *Client) checkRepo(ctx context.Context, repo string) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	if _, _, err := c.api.Repositories.Get(ctx, owner, name); err != nil {
		err = describe(err)
		if errors.Is(err, scm.ErrNotFound) {
			return fmt.Errorf("reading repository %s: the credentials cannot see it (404): give the token or app access to it, "+
				"with the permission pull requests: read (classic tokens: repo): %w", repo, scm.ErrUnauthorized)
		}
		return fmt.Errorf("reading repository %s: %w", repo, err)
	}
	_, _, err = c.api.PullRequests.List(ctx, owner, name, &gh.PullRequestListOptions{State: "all", ListOptions: gh.ListOptions{PerPage: 1}})
	if err != nil {
		err = describe(err)
		if errors.Is(err, scm.ErrNotFound) || errors.Is(err, scm.ErrUnauthorized) {
			return fmt.Errorf("reading the pull requests of %s: refused (%s): the token or app needs pull requests: read: %w", repo, err, scm.ErrUnauthorized)
		}
		return fmt.Errorf("reading the pull requests of %s: %w", repo, err)
	}
	return nil
}
