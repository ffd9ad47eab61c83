package config

// GitHubWebhook is POST /webhooks/github: pull_request events, each signed with
// the secret (X-Hub-Signature-256, HMAC-SHA256 of the body).
type GitHubWebhook struct {
	Secret     Secret `yaml:"secret"`     // the webhook's secret, as set in GitHub
	SecretFile string `yaml:"secretFile"` // read into Secret by Load
	// Source names the source of type github whose pull requests the events are
	// about; it may be left out when there is exactly one.
	Source string `yaml:"source"`

	secretFromFile bool
}

// GitLabWebhook is POST /webhooks/gitlab: merge-request hooks, which carry the
// token verbatim in X-Gitlab-Token.
type GitLabWebhook struct {
	Token     Secret `yaml:"token"`     // the webhook's secret token, as set in GitLab
	TokenFile string `yaml:"tokenFile"` // read into Token by Load
	// Source names the source of type gitlab whose merge requests the events are
	// about; it may be left out when there is exactly one.
	Source string `yaml:"source"`

	tokenFromFile bool
}

// WebhookSource returns the source a GitHub or GitLab endpoint reads states from:
// the one named, or else the only source of type typ ("" when there is none or
// more than one; Validate refuses both).
func WebhookSource(named, typ string, sources []Source) (Source, bool) {
	var found []Source
	for _, s := range sources {
		if named != "" && s.Name == named || named == "" && s.Type == typ {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return Source{}, false
	}
	return found[0], true
}

// forgeHooks expands the GitHub and GitLab endpoints.
func (x *expander) forgeHooks(w *Webhooks) {
	if h := w.GitHub; h != nil {
		p := "serve.webhooks.github"
		x.secret(p+".secret", &h.Secret)
		x.str(p+".secretFile", &h.SecretFile)
		x.str(p+".source", &h.Source)
	}
	if h := w.GitLab; h != nil {
		p := "serve.webhooks.gitlab"
		x.secret(p+".token", &h.Token)
		x.str(p+".tokenFile", &h.TokenFile)
		x.str(p+".source", &h.Source)
	}
}

// readFiles reads the endpoints' secret files with secret (Load's reader).
func (w *Webhooks) readFiles(secret func(path, name string) (Secret, bool)) {
	if h := w.GitHub; h != nil && h.SecretFile != "" && !h.Secret.IsSet() {
		h.Secret, h.secretFromFile = secret("serve.webhooks.github.secretFile", h.SecretFile)
	}
	if h := w.GitLab; h != nil && h.TokenFile != "" && !h.Token.IsSet() {
		h.Token, h.tokenFromFile = secret("serve.webhooks.gitlab.tokenFile", h.TokenFile)
	}
}

// forgeHooks checks the GitHub and GitLab endpoints: each needs its secret (an
// endpoint is never open) and one source to read the states from.
func (v *checker) forgeHooks(w *Webhooks, sources []Source) {
	if h := w.GitHub; h != nil {
		p := "serve.webhooks.github"
		v.hookSecret(p, "secret", h.Secret, h.SecretFile, h.secretFromFile, "the webhook's secret, like ${GITHUB_WEBHOOK_SECRET}")
		v.hookSource(p, h.Source, "github", sources)
	}
	if h := w.GitLab; h != nil {
		p := "serve.webhooks.gitlab"
		v.hookSecret(p, "token", h.Token, h.TokenFile, h.tokenFromFile, "the webhook's secret token, like ${GITLAB_WEBHOOK_TOKEN}")
		v.hookSource(p, h.Source, "gitlab", sources)
	}
}

func (v *checker) hookSecret(p, key string, s Secret, file string, fromFile bool, what string) {
	switch {
	case file != "" && s.IsSet() && !fromFile:
		v.add(p+"."+key+"File", "set %s or %sFile, not both", key, key)
	case file != "" && fromFile && !s.IsSet():
		v.add(p+"."+key+"File", "the file is empty")
	case file != "":
		// read by Load; an unreadable file is reported there
	case !s.IsSet() && v.m.fromEnv(p+"."+key):
		v.required(p+"."+key, s.Reveal(), what)
	case !s.IsSet():
		v.add(p, "no %s: set %s or %sFile; a webhook endpoint is never open", key, key, key)
	}
}

// hookSource checks that the endpoint's pull requests have one source: the one
// named (of type typ, or static for offline tests), or the only one of type typ.
func (v *checker) hookSource(p, named, typ string, sources []Source) {
	if named == "" {
		n := 0
		for _, s := range sources {
			if s.Type == typ {
				n++
			}
		}
		switch {
		case n == 0:
			v.add(p, "no source of type %s to read the pull requests from", typ)
		case n > 1:
			v.add(p+".source", "required: %d sources have type %s; name the one this webhook's events are about", n, typ)
		}
		return
	}
	s, ok := WebhookSource(named, typ, sources)
	switch {
	case !ok:
		v.add(p+".source", "%s is not the name of a source", v.m.show(p+".source", named))
	case s.Type != typ && s.Type != "static":
		v.add(p+".source", "%s has type %s, want %s", v.m.show(p+".source", named), s.Type, typ)
	}
}
