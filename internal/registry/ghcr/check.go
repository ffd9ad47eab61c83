package ghcr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry"
)

// checkReads bounds the package reads of Check in flight at once.
const checkReads = 4

// Check shows, changing nothing, that the token may read each package of repos
// (GET of the package) and sign in to the registry (the first package's tag
// listing through the OCI API), and, for a classic personal access token, whose
// scopes GitHub names in X-OAuth-Scopes, that it has read:packages (or
// write:packages), delete:packages, and write:packages, which removing a tag that
// shares its version with a kept tag needs. Other tokens (fine-grained, GITHUB_TOKEN,
// GitHub App) carry no scopes: whether they may delete shows only at the first
// deletion, and Check logs so.
func (c *Client) Check(ctx context.Context, repos []string) error {
	if _, err := c.ownerKind(ctx); err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(checkReads)
	errs := make([]error, len(repos))
	for i, repo := range repos {
		g.Go(func() error {
			_, errs[i] = c.getPackage(ctx, repo)
			return nil
		})
	}
	_ = g.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(repos) > 0 {
		if _, err := c.oci.Tags(ctx, c.ociRepo(repos[0])); err != nil {
			return fmt.Errorf("signing in to %s with the token and listing %s: %w", c.host, repos[0], err)
		}
	}
	c.mu.Lock()
	scopes := c.scopes
	c.mu.Unlock()
	if scopes == nil {
		c.log.Warn("the token names no scopes (a fine-grained token, GITHUB_TOKEN or a GitHub App's): whether it may delete package versions shows only at the first deletion",
			"owner", c.owner)
		return nil
	}
	return missingScopes(*scopes)
}

// missingScopes says which scopes a classic token lacks, from its X-OAuth-Scopes.
func missingScopes(header string) error {
	var have []string
	for s := range strings.SplitSeq(header, ",") {
		if s = strings.TrimSpace(s); s != "" {
			have = append(have, s)
		}
	}
	var missing []string
	if !slices.Contains(have, "read:packages") && !slices.Contains(have, "write:packages") {
		missing = append(missing, "read:packages (to list package versions)")
	}
	if !slices.Contains(have, "delete:packages") {
		missing = append(missing, "delete:packages (to delete package versions)")
	}
	if !slices.Contains(have, "write:packages") {
		missing = append(missing, "write:packages (to remove a tag that shares its image with a kept tag, by pointing it at a throwaway manifest)")
	}
	if len(missing) == 0 {
		return nil
	}
	shown := strings.Join(have, ", ")
	if shown == "" {
		shown = "none"
	}
	return fmt.Errorf("%w: the token lacks the scopes %s (it has: %s)", registry.ErrUnauthorized, strings.Join(missing, "; "), shown)
}
