package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Env looks a variable up, like os.LookupEnv.
type Env func(name string) (string, bool)

// expand replaces ${NAME} with the variable's value and $$ with $; any other $ stays.
// It returns the names it substituted. Its errors never hold a variable's value.
func expand(s string, env Env) (string, []string, error) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var (
		b    strings.Builder
		used []string
	)
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) || (s[i+1] != '$' && s[i+1] != '{') {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", nil, fmt.Errorf("unterminated ${ (write $$ for a literal $)")
		}
		name := s[i+2 : i+2+end]
		if !validVarName(name) {
			return "", nil, fmt.Errorf("invalid variable name %q in ${…} (write $$ for a literal $)", name)
		}
		v, ok := env(name)
		if !ok {
			return "", nil, fmt.Errorf("environment variable %s is not set", name)
		}
		b.WriteString(v)
		used = append(used, name)
		i += 2 + end
	}
	return b.String(), used, nil
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// expander expands every string value of a Config, recording where values came
// from the environment and collecting every error.
type expander struct {
	env  Env
	meta *meta
	skip map[string]bool // paths the overlay replaces: their expansion errors do not matter
	errs []error
}

// value expands s, the value at path; ok is false after an error.
func (x *expander) value(path, s string) (string, bool) {
	v, used, err := expand(s, x.env)
	if err != nil {
		if !x.skip[path] {
			x.errs = append(x.errs, x.meta.errorf(path, "%v", err))
		}
		return s, false
	}
	if len(used) > 0 {
		x.meta.setFromEnv(path, "${"+used[0]+"}", false)
	}
	return v, true
}

func (x *expander) str(path string, s *string) {
	if v, ok := x.value(path, *s); ok {
		*s = v
	}
}

func (x *expander) secret(path string, s *Secret) {
	if raw := s.Reveal(); raw != "" && !strings.Contains(raw, "${") && x.meta != nil {
		x.meta.literal = append(x.meta.literal, path)
	}
	if v, ok := x.value(path, s.Reveal()); ok {
		*s = NewSecret(v)
	}
}

func (x *expander) list(path string, l []string) {
	for i := range l {
		x.str(fmt.Sprintf("%s[%d]", path, i), &l[i])
	}
}

// expandConfig expands c in place. Durations are expanded separately (see Parse):
// a typed field cannot hold ${VAR}.
func expandConfig(c *Config, env Env, m *meta) []error {
	x := &expander{env: env, meta: m, skip: overridden(env)}
	r := &c.Registry
	x.str("registry.type", &r.Type)
	x.str("registry.url", &r.URL)
	x.list("registry.repositories", r.Repositories)
	x.str("registry.username", &r.Username)
	x.secret("registry.password", &r.Password)
	x.str("registry.caFile", &r.CAFile)
	x.str("registry.tenantId", &r.TenantID)
	x.str("registry.clientId", &r.ClientID)
	x.secret("registry.clientSecret", &r.ClientSecret)
	x.str("registry.clientSecretFile", &r.ClientSecretFile)
	x.str("registry.authorityHost", &r.AuthorityHost)
	x.str("registry.auth", &r.Auth)
	x.str("registry.clientCertificateFile", &r.ClientCertificateFile)
	x.secret("registry.clientCertificatePassword", &r.ClientCertificatePassword)
	x.str("registry.serviceConnectionId", &r.ServiceConnectionID)
	x.secret("registry.systemAccessToken", &r.SystemAccessToken)
	x.str("registry.federatedTokenFile", &r.FederatedTokenFile)
	x.str("registry.audience", &r.Audience)
	x.str("registry.api", &r.API)
	x.str("registry.owner", &r.Owner)
	x.str("registry.project", &r.Project)
	x.str("registry.group", &r.Group)
	x.secret("registry.token", &r.Token)
	x.str("registry.tokenFile", &r.TokenFile)
	for i := range c.Sources {
		s, p := &c.Sources[i], fmt.Sprintf("sources[%d]", i)
		x.str(p+".name", &s.Name)
		x.str(p+".type", &s.Type)
		x.str(p+".url", &s.URL)
		x.str(p+".project", &s.Project)
		x.secret(p+".token", &s.Token)
		x.str(p+".tokenFile", &s.TokenFile)
		x.str(p+".tokenType", &s.TokenType)
		x.str(p+".caFile", &s.CAFile)
		x.str(p+".file", &s.File)
		for _, k := range slices.Sorted(maps.Keys(s.States)) {
			v := s.States[k]
			x.str(p+".states."+k, &v)
			s.States[k] = v
		}
	}
	for i := range c.Rules {
		r, p := &c.Rules[i], fmt.Sprintf("rules[%d]", i)
		x.list(p+".repositories", r.Repositories)
		x.str(p+".tags", &r.Tags)
		x.str(p+".source", &r.Source)
		x.str(p+".repo", &r.Repo)
		x.list(p+".delete", r.Delete)
	}
	x.list("keep", c.Keep)
	x.str("untagged", &c.Untagged)
	x.str("referrers", &c.Referrers)
	x.str("audit", &c.Audit)
	x.serve(&c.Serve)
	return x.errs
}
