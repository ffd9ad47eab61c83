package policy

import (
	"fmt"
	"strings"
)

// Explain tells, step by step, how Match treats a tag: each keep pattern, then each
// rule in order until one matches.
func (p Policy) Explain(repo, tag string) []string {
	var steps []string
	for _, k := range p.Keep {
		if k.MatchString(tag) {
			return append(steps, fmt.Sprintf("keep pattern %s matches: the tag is kept, whatever the rules say", k))
		}
		steps = append(steps, fmt.Sprintf("keep pattern %s does not match", k))
	}
	if referrersTag.MatchString(tag) {
		return append(steps, "a sha256-… tag belongs to an image (a signature, attestation or referrers index), never to a pull request: no rule applies")
	}
	for i, r := range p.Rules {
		name := fmt.Sprintf("rule %d (repositories %s, tags %s, source %s)", i+1, globs(r.Repositories), r.Tags, r.Source)
		switch {
		case !matchRepo(r.Repositories, repo):
			steps = append(steps, name+": the repository does not match")
			continue
		case !r.Tags.MatchString(tag):
			steps = append(steps, name+": the tag does not match")
			continue
		}
		m := p.Match(repo, tag)
		if m.PR == "" {
			return append(steps, name+": matches, but its pr group holds no pull-request number")
		}
		return append(steps, fmt.Sprintf("%s: matches, pull request %s (deleted when %s%s)", name, m.Ref, states(r), grace(r)))
	}
	return append(steps, "no rule matches: the tag is kept")
}

func globs(g []string) string {
	if len(g) == 0 {
		return "*"
	}
	return strings.Join(g, ",")
}

func states(r Rule) string {
	s := make([]string, len(r.Delete))
	for i, st := range r.Delete {
		s[i] = string(st)
	}
	return strings.Join(s, " or ")
}

func grace(r Rule) string {
	if r.After <= 0 {
		return ""
	}
	return fmt.Sprintf(", %s after it closed", r.After)
}
