package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// GitHub answers 404 both for a pull request that does not exist and for any
// resource of a repository the credentials may not see. So a 404 for a pull
// request counts as "missing" only once the repository itself was read: that
// verdict stands for proofTTL, per repository.

// proofTTL is how long a repository read stands before a 404 reads it again.
const proofTTL = 15 * time.Minute

// repoProof is the standing verdict of one repository read.
type repoProof struct {
	mu      sync.Mutex // held during the read: concurrent 404s wait for one
	checked time.Time  // zero: never
	err     error      // nil: the credentials see the repository
}

// proveMissing returns notFound when the repository is visible, and otherwise an
// error that wraps no sentinel, so that the state is unknown.
func (c *Client) proveMissing(ctx context.Context, owner, name string, notFound error) error {
	key := strings.ToLower(owner + "/" + name)
	c.mu.Lock()
	p := c.repos[key]
	if p == nil {
		p = &repoProof{}
		c.repos[key] = p
	}
	c.mu.Unlock()

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.checked.IsZero() || c.now().Sub(p.checked) >= proofTTL {
		_, _, err := c.api.Repositories.Get(ctx, owner, name)
		err = describe(err)
		if err != nil && !errors.Is(err, scm.ErrNotFound) && !errors.Is(err, scm.ErrUnauthorized) {
			return fmt.Errorf("%s; reading repository %s/%s to tell a missing pull request from a hidden one: %s", notFound, owner, name, err)
		}
		p.checked, p.err = c.now(), err
		if err != nil {
			c.log.LogAttrs(ctx, slog.LevelWarn, "github: the credentials cannot see the repository, so none of its pull requests is taken as missing",
				slog.String("repo", owner+"/"+name), slog.String("error", c.scrub(err.Error())))
		}
	}
	if p.err != nil {
		return fmt.Errorf("%s, but that proves nothing: the credentials cannot see repository %s/%s (%s)", notFound, owner, name, p.err)
	}
	return notFound
}
