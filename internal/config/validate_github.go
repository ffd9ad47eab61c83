package config

import (
	"net/url"
	"regexp"
	"strings"
)

// DefaultGitHubURL is the API a source of type github talks to when url is not set.
const DefaultGitHubURL = "https://api.github.com"

var (
	// ghRepoOwner and ghRepoName are what GitHub accepts as a user or organisation
	// and as a repository name.
	ghRepoOwner = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	ghRepoName  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	// repoPlaceholder finds anything in braces in a rule's repo.
	repoPlaceholder = regexp.MustCompile(`\{[^{}]*\}`)
)

// GitHubURL returns the API base of a source of type github: url, else
// https://api.github.com.
func (s Source) GitHubURL() string {
	if s.URL != "" {
		return s.URL
	}
	return DefaultGitHubURL
}

// githubSource checks a source of type github: url (optional; https, GHES:
// https://HOST/api/v3), and one way to sign in: token, tokenFile, or a GitHub
// App (appId, installationId and privateKeyFile together).
func (v *checker) githubSource(p string, s *Source) {
	if s.URL != "" {
		if err := checkServiceURL(s.URL); err != nil {
			v.add(p+".url", "%v", err)
		} else if u, _ := url.Parse(s.URL); !githubAPIPath(u) {
			v.add(p+".url", "%s is not a GitHub API: GitHub Enterprise Server's is https://HOST/api/v3 (GitHub.com's https://api.github.com)", v.m.show(p+".url", s.URL))
		}
	}
	if s.Project != "" {
		v.add(p+".project", "not used with type github: rules say the repository (repo: owner/name)")
	}
	token := s.Token.IsSet() || s.TokenFile != ""
	app := s.AppID != 0 || s.InstallationID != 0 || s.PrivateKeyFile != ""
	switch {
	case v.tokenConflict(p, s.Token, s.TokenFile, s.tokenFromFile):
	case token && app:
		v.add(p+".appId", "set a token (token or tokenFile) or a GitHub App (appId, installationId, privateKeyFile), not both")
	case app:
		if s.AppID <= 0 {
			v.add(p+".appId", "required with a GitHub App: the app's id, a positive number")
		}
		if s.InstallationID <= 0 {
			v.add(p+".installationId", "required with a GitHub App: the id of the app's installation on the account that owns the repositories")
		}
		v.required(p+".privateKeyFile", s.PrivateKeyFile, "the GitHub App's private key (PEM)")
	case !token:
		v.required(p+".token", s.Token.Reveal(), "token, tokenFile, or a GitHub App (appId, installationId, privateKeyFile)")
	}
}

// githubOnly refuses the GitHub App keys on a source of another type.
func (v *checker) githubOnly(p string, s *Source) {
	if s.Type == "github" {
		return
	}
	for key, set := range map[string]bool{"appId": s.AppID != 0, "installationId": s.InstallationID != 0, "privateKeyFile": s.PrivateKeyFile != ""} {
		if set {
			v.add(p+"."+key, "only used with type github")
		}
	}
}

// githubRule checks the repo of a rule whose source is of type github: owner/name,
// where either part may hold the placeholders {repository} and {name} (see
// policy.ExpandRepo), and nothing else in braces.
func (v *checker) githubRule(p string, r *Rule) {
	at := p + ".repo"
	if !v.required(at, r.Repo, "the code repository whose pull requests these are, owner/name (or a template like contoso/{name})") {
		return
	}
	if !v.repoTemplate(at, r.Repo) {
		return
	}
	if strings.Contains(r.Repo, "{repository}") {
		return // the image repository's path supplies the slash
	}
	owner, name, ok := strings.Cut(r.Repo, "/")
	sample := func(s string) string { return strings.ReplaceAll(s, "{name}", "app") }
	if !ok || !ghRepoOwner.MatchString(sample(owner)) || !ghRepoName.MatchString(sample(name)) {
		v.add(at, "%s is not owner/name, like contoso/app (or a template like contoso/{name})", v.m.show(at, r.Repo))
	}
}

// repoTemplate refuses anything in braces but {repository} and {name}.
func (v *checker) repoTemplate(at, repo string) bool {
	for _, ph := range repoPlaceholder.FindAllString(repo, -1) {
		if ph != "{repository}" && ph != "{name}" {
			v.add(at, "%s is not a placeholder: use {repository} (the image repository's path) or {name} (its last element)", ph)
			return false
		}
	}
	if rest := repoPlaceholder.ReplaceAllString(repo, ""); strings.ContainsAny(rest, "{}") {
		v.add(at, "%s has an unmatched brace", v.m.show(at, repo))
		return false
	}
	return true
}

// githubAPIPath reports whether u looks like a GitHub REST API root: a path ending
// in /api/v3 (GitHub Enterprise Server), or an api. host (api.github.com, GHE.com's
// api.SUBDOMAIN.ghe.com), or a loopback host (a test server).
func githubAPIPath(u *url.URL) bool {
	h := strings.ToLower(u.Hostname())
	return strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v3") || strings.HasPrefix(h, "api.") || isLoopback(h)
}
