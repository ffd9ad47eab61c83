package config

import (
	"fmt"
	"strings"
)

// Token types of a source of type gitlab (tokenType).
const (
	GitLabTokenPrivate = "private" // personal, project or group access token: PRIVATE-TOKEN (the default)
	GitLabTokenJob     = "job"     // CI_JOB_TOKEN: JOB-TOKEN
)

// gitLabSource checks a source of type gitlab: url (optional, default
// https://gitlab.com; a self-managed instance's base URL), token or tokenFile,
// tokenType private (default) or job, and project (optional: the default for
// rules without repo) as group/sub/project or a numeric id.
func (v *checker) gitLabSource(p string, s *Source) {
	if s.URL != "" {
		if err := checkServiceURL(s.URL); err != nil {
			v.add(p+".url", "%v", err)
		}
	}
	v.token(p, s.Token, s.TokenFile, s.tokenFromFile, "token or tokenFile: an access token with read_api, or ${CI_JOB_TOKEN} with tokenType: job")
	switch s.TokenType {
	case "", GitLabTokenPrivate, GitLabTokenJob:
	default:
		v.add(p+".tokenType", "%s is not one of private, job", v.m.show(p+".tokenType", s.TokenType))
	}
	if s.Project != "" && !gitLabProject(s.Project) {
		v.add(p+".project", "%s is not a project path like group/project (subgroups allowed) or a numeric id", v.m.show(p+".project", s.Project))
	}
}

// gitLabRules checks the rules whose source is of type gitlab: each needs repo
// (a project path or id, or a template like group/{name}) or the source's project.
func (v *checker) gitLabRules(c *Config) {
	sources := map[string]*Source{}
	for i := range c.Sources {
		if s := &c.Sources[i]; s.Type == "gitlab" {
			sources[s.Name] = s
		}
	}
	for i := range c.Rules {
		r, at := &c.Rules[i], fmt.Sprintf("rules[%d].repo", i)
		s, ok := sources[r.Source]
		switch {
		case !ok:
		case r.Repo == "" && s.Project == "":
			v.add(at, "required with source %s, which sets no project: the GitLab project whose merge requests these are (group/project or its id)", r.Source)
		case r.Repo == "":
		case !v.repoTemplate(at, r.Repo):
		case !gitLabProject(strings.NewReplacer("{repository}", "group/app", "{name}", "app").Replace(r.Repo)):
			v.add(at, "%s is not a project path like group/project, a numeric id, or a template like group/{name}", v.m.show(at, r.Repo))
		}
	}
}

// gitLabProject reports whether p is a numeric id or a path of segments of
// letters, digits, '-', '_' and '.' (what the adapter accepts).
func gitLabProject(p string) bool {
	if allDigits(p) {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsFunc(seg, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
		}) {
			return false
		}
	}
	return true
}
