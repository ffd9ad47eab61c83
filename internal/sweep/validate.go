package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/policy"
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
		c := Check{Name: "registry permissions", Detail: "nothing the registry shows refuses reading or deleting (some tokens show their delete permission only at the first deletion)", Err: rc.Check(ctx, repos)}
		checks = append(checks, c)
	}

	names := make([]string, 0, len(s.Providers))
	for name := range s.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ruleRepos, note := s.ruleRepos(name, repos)
		c := checkSource(ctx, name, s.Providers[name], ruleRepos)
		if note != "" {
			c.Detail = strings.TrimPrefix(c.Detail+"; "+note, "; ")
		}
		checks = append(checks, c)
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

// maxTemplateRepos bounds how many code repositories validate reads for templated
// repos: one per image repository could be thousands of reads.
const maxTemplateRepos = 20

// ruleRepos returns the code repositories the rules that use source name set,
// each once (GitHub and GitLab paths ignore case), in rule order: a repo as
// written, or a template ({name}, {repository}) expanded for each of images the
// rule's repositories globs match, at most maxTemplateRepos of those. note says
// how templates were expanded, when any was.
func (s *Sweeper) ruleRepos(name string, images []string) (repos []string, note string) {
	has := func(r string) bool {
		return slices.ContainsFunc(repos, func(o string) bool { return strings.EqualFold(o, r) })
	}
	expanded, left := 0, 0
	templated := false
	for _, r := range s.Policy.Rules {
		if r.Source != name || r.Repo == "" {
			continue
		}
		if !strings.Contains(r.Repo, "{") {
			if !has(r.Repo) {
				repos = append(repos, r.Repo)
			}
			continue
		}
		templated = true
		for _, img := range images {
			if !matchesAny(r.Repositories, img) {
				continue
			}
			repo := policy.ExpandRepo(r.Repo, img)
			switch {
			case has(repo):
			case expanded == maxTemplateRepos:
				left++
			default:
				repos = append(repos, repo)
				expanded++
			}
		}
	}
	switch {
	case left > 0:
		note = fmt.Sprintf("templated repos: read the first %d of the %d repositories they name for the selected image repositories", expanded, expanded+left)
	case templated:
		note = fmt.Sprintf("templated repos: read the %d repositories they name for the selected image repositories", expanded)
	}
	return repos, note
}

// matchesAny reports whether repository matches one of globs (none: every one),
// as a rule's repositories do.
func matchesAny(globs []string, repository string) bool {
	return len(globs) == 0 || slices.ContainsFunc(globs, func(g string) bool { return registry.MatchRepository(g, repository) })
}
