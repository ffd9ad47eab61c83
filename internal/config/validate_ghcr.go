package config

import (
	"net/url"
	"regexp"
	"strings"
)

// DefaultGHCRAPI is the GitHub API a registry of type ghcr talks to when api is
// not set and the registry is ghcr.io.
const DefaultGHCRAPI = "https://api.github.com"

// githubLogin is what GitHub accepts as a user or organisation name.
var githubLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

// GHCRAPI returns the GitHub API base of a registry of type ghcr: api, else
// https://api.github.com for ghcr.io (Validate requires api for any other host:
// GitHub Enterprise Server's is https://HOST/api/v3).
func (r Registry) GHCRAPI() string {
	if r.API != "" {
		return r.API
	}
	return DefaultGHCRAPI
}

// ghcr checks the keys of a registry of type ghcr: url (https, the registry host),
// api (https; required unless the registry is ghcr.io), owner (a GitHub user or
// organisation), and a token (token or tokenFile), which signs in to the API and,
// as the password, to the registry; username, password and insecure are refused.
// With another type, owner is refused (api, token and tokenFile: see
// gitlabRegistry).
func (v *checker) ghcr(r *Registry) {
	if r.Type != "ghcr" {
		if r.Owner != "" {
			v.add("registry.owner", "only used with type ghcr")
		}
		return
	}
	u, err := parseRegistryURL(r.URL)
	if err == nil && u.explicit && u.scheme == "http" {
		v.add("registry.url", "type ghcr talks https only; write the registry host, e.g. ghcr.io")
	}
	if r.Insecure {
		v.add("registry.insecure", "not used with type ghcr (https only); for a private CA set registry.caFile")
	}
	switch {
	case r.API == "" && err == nil && !strings.EqualFold(u.hostname, "ghcr.io"):
		v.add("registry.api", "required with a registry other than ghcr.io: GitHub Enterprise Server's API, like https://HOST/api/v3")
	case r.API != "":
		a, err := url.Parse(r.API)
		switch {
		case err != nil || a.Hostname() == "":
			v.add("registry.api", "%s is not a URL", v.m.show("registry.api", r.API))
		case a.Scheme != "https":
			v.add("registry.api", "use https:// (the token goes with every request)")
		case a.User != nil || a.RawQuery != "" || a.Fragment != "":
			v.add("registry.api", "want scheme, host and path only, like https://api.github.com")
		}
	}
	if v.required("registry.owner", r.Owner, "the user or organisation that owns the container packages") && !githubLogin.MatchString(r.Owner) {
		v.add("registry.owner", "%s is not a GitHub user or organisation name", v.m.show("registry.owner", r.Owner))
	}
	v.token("registry", r.Token, r.TokenFile, r.tokenFromFile, "a GitHub token with read:packages and delete:packages (or tokenFile)")
	v.noBasicCredentials(r)
}
