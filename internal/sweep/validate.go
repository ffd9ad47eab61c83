package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/static"
)

// Check is the outcome of one validation step.
type Check struct {
	Name   string
	Detail string
	Err    error // nil when the check passed
}

// Validate checks, changing nothing, that the registry can be listed and tells how
// it deletes, and that each source accepts its credentials.
func (s *Sweeper) Validate(ctx context.Context) []Check {
	var checks []Check
	repos, err := discover.Repositories(ctx, s.Registry, s.Repositories)
	if err != nil {
		return append(checks, Check{Name: "registry", Err: err})
	}
	if len(repos) == 0 {
		return append(checks, Check{Name: "registry", Err: fmt.Errorf("no repository matches registry.repositories %v", s.Repositories)})
	}
	first := repos[0]
	tags, err := s.Registry.Tags(ctx, first)
	if err != nil {
		return append(checks, Check{Name: "registry", Err: fmt.Errorf("listing tags of %s: %w", first, err)})
	}
	checks = append(checks, Check{Name: "registry", Detail: fmt.Sprintf("%d repositories selected; %s lists %d tags", len(repos), first, len(tags))})

	caps, err := s.Registry.Capabilities(ctx, first)
	c := Check{Name: "registry delete", Err: err}
	switch {
	case err != nil:
	case caps.Untag:
		c.Detail = "the registry deletes a tag alone"
	case caps.Retag:
		c.Detail = "the registry deletes only manifests: a tag that shares its digest is removed by pointing it at a throwaway manifest first (needs push permission)"
	case caps.Digest:
		c.Detail = "the registry deletes only manifests: a tag that shares its digest with a kept tag will be kept"
	default:
		c.Err = fmt.Errorf("%w: deletion is disabled on the registry", registry.ErrUnsupported)
	}
	checks = append(checks, c)
	if rc, ok := s.Registry.(registry.Checker); ok {
		c := Check{Name: "registry permissions", Detail: "read and delete allowed", Err: rc.Check(ctx, repos)}
		checks = append(checks, c)
	}

	names := make([]string, 0, len(s.Providers))
	for name := range s.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		checks = append(checks, checkSource(ctx, name, s.Providers[name], s.ruleRepos(name)))
	}
	return checks
}

// checkSource asks for pull request 1: a state or a positive "not found" both prove
// the credentials work; a refusal does not.
func checkSource(ctx context.Context, name string, p scm.Provider, repos []string) Check {
	c := Check{Name: "source " + name}
	if _, ok := p.(*static.Source); ok {
		c.Detail = "static states, nothing to check"
		return c
	}
	if pc, ok := p.(scm.Checker); ok {
		if c.Err = pc.Check(ctx, repos); c.Err == nil {
			c.Detail = "credentials accepted"
		}
		return c
	}
	_, err := p.State(ctx, scm.Ref{Source: name, Number: "1"})
	switch {
	case err == nil, errors.Is(err, scm.ErrNotFound):
		c.Detail = "credentials accepted"
	default:
		c.Err = err
	}
	return c
}

// ruleRepos returns the code repositories the rules that use source name set
// (their repo key, templates included as written), each once, in rule order.
func (s *Sweeper) ruleRepos(name string) []string {
	var out []string
	for _, r := range s.Policy.Rules {
		if r.Source == name && r.Repo != "" && !slices.Contains(out, r.Repo) {
			out = append(out, r.Repo)
		}
	}
	return out
}
