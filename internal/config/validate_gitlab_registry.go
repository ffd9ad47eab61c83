package config

import "net/url"

// gitlabRegistry checks the keys of a registry of type gitlab: api (GitLab's base
// URL, https), exactly one of project and group, and a token (token or tokenFile),
// which signs in to GitLab's API and, through GitLab's /jwt/auth, to the registry.
// With another type, project and group are refused; api, token and tokenFile are
// refused unless the type is ghcr, which uses them too.
func (v *checker) gitlabRegistry(r *Registry) {
	if r.Type != "gitlab" {
		for _, k := range []struct {
			key string
			set bool
		}{{"project", r.Project != ""}, {"group", r.Group != ""}} {
			if k.set {
				v.add("registry."+k.key, "only used with type gitlab")
			}
		}
		if r.Type == "ghcr" {
			return
		}
		for _, k := range []struct {
			key string
			set bool
		}{{"api", r.API != ""}, {"token", r.Token.IsSet() && !r.tokenFromFile}, {"tokenFile", r.TokenFile != ""}} {
			if k.set {
				v.add("registry."+k.key, "only used with type ghcr or gitlab")
			}
		}
		return
	}
	if v.required("registry.api", r.API, "GitLab's base URL, like https://gitlab.com") {
		u, err := url.Parse(r.API)
		switch {
		case err != nil || u.Hostname() == "":
			v.add("registry.api", "%s is not a URL", v.m.show("registry.api", r.API))
		case u.Scheme != "https":
			v.add("registry.api", "use https:// (the token goes with every request)")
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			v.add("registry.api", "want scheme, host and path only, like https://gitlab.example.com")
		}
	}
	switch {
	case r.Project != "" && r.Group != "":
		v.add("registry.group", "set project or group, not both")
	case r.Project == "" && r.Group == "":
		v.add("registry.project", "required: the project (group/name or id) whose container registry is swept, or set group")
	}
	v.token("registry", r.Token, r.TokenFile, r.tokenFromFile, "a GitLab access token with the api scope (or tokenFile)")
	v.noBasicCredentials(r)
}
