package config

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

const (
	minConcurrency = 1
	maxConcurrency = 64
)

// Validate checks c and compiles its patterns (TagPattern, KeepPatterns). It
// returns every problem at once, joined with errors.Join; each is an *Error naming
// its key path. It does not fill defaults: see SetDefaults.
func (c *Config) Validate() error {
	v := &checker{m: c.meta}
	v.registry(&c.Registry)
	sources := v.sources(c.Sources)
	if len(c.Rules) == 0 {
		v.add("rules", "at least one rule is required")
	}
	for i := range c.Rules {
		v.rule(fmt.Sprintf("rules[%d]", i), &c.Rules[i], sources)
	}
	v.gitLabRules(c)
	c.keep = nil
	for i, k := range c.Keep {
		if re := v.regexp(fmt.Sprintf("keep[%d]", i), k); re != nil {
			c.keep = append(c.keep, re)
		}
	}
	if c.Untagged != UntaggedKeep && c.Untagged != UntaggedDelete {
		v.add("untagged", "%s is not keep or delete", v.m.show("untagged", c.Untagged))
	}
	if c.Concurrency < minConcurrency || c.Concurrency > maxConcurrency {
		v.add("concurrency", "%d is not between %d and %d", c.Concurrency, minConcurrency, maxConcurrency)
	}
	if c.Referrers != ReferrersDelete && c.Referrers != ReferrersKeep {
		v.add("referrers", "%s is not delete or keep", v.m.show("referrers", c.Referrers))
	}
	for key, n := range map[string]int{"safety.maxDeletions": c.Safety.MaxDeletions, "safety.perRepository.maxDeletions": c.Safety.PerRepository.MaxDeletions} {
		if n < 0 {
			v.add(key, "must not be negative (0 means no limit)")
		}
	}
	for key, p := range map[string]float64{"safety.maxDeletionsPercent": c.Safety.MaxDeletionsPercent, "safety.perRepository.maxDeletionsPercent": c.Safety.PerRepository.MaxDeletionsPercent} {
		if p < 0 || p > 100 {
			v.add(key, "%g is not between 0 and 100 (0 means no limit)", p)
		}
	}
	if c.HTTP.Timeout != 0 && c.HTTP.Timeout < Duration(time.Second) {
		v.add("http.timeout", "%s is shorter than a second (0 means 10s for reads, 60s for writes)", c.HTTP.Timeout)
	}
	v.rateLimit(c.RateLimit, c.Registry.Type)
	if c.HTTP.Attempts < 1 || c.HTTP.Attempts > 20 {
		v.add("http.attempts", "%d is not between 1 and 20", c.HTTP.Attempts)
	}
	if c.HTTP.MaxRetryAfter < 0 {
		v.add("http.maxRetryAfter", "must not be negative")
	}
	if c.Timeout < 0 {
		v.add("timeout", "must not be negative (0 means none)")
	}
	v.serve(&c.Serve, c.Sources)
	return errors.Join(v.errs...)
}

// checker collects Validate's problems.
type checker struct {
	m    *meta
	errs []error
}

func (v *checker) add(path, format string, args ...any) {
	v.errs = append(v.errs, v.m.errorf(path, format, args...))
}

// required reports an empty value, saying which variable was empty if one was.
func (v *checker) required(path, value, what string) bool {
	if value != "" {
		return true
	}
	if v.m.fromEnv(path) {
		v.add(path, "required, but %s is empty", v.m.display(path, value))
	} else {
		v.add(path, "required: %s", what)
	}
	return false
}

// regexp compiles an RE2 pattern, reporting why it does not compile unless the
// pattern came from the environment.
func (v *checker) regexp(path, pattern string) *regexp.Regexp {
	re, err := regexp.Compile(pattern)
	if err == nil {
		return re
	}
	if v.m.fromEnv(path) {
		v.add(path, "%s is not a valid regular expression", v.m.display(path, pattern))
	} else {
		v.add(path, "not a valid regular expression: %v", err)
	}
	return nil
}

func (v *checker) globs(at string, globs []string) {
	if len(globs) == 0 {
		v.add(at, "empty: list at least one glob, or leave the key out for every repository")
	}
	for i, g := range globs {
		p := fmt.Sprintf("%s[%d]", at, i)
		if _, err := path.Match(g, ""); g == "" || err != nil {
			v.add(p, "%s is not a valid glob (path.Match syntax: *, ?, [a-z])", v.m.show(p, g))
		}
	}
}

// registryTypes are the registry types prsweep has an adapter for.
var registryTypes = []string{"oci", "acr", "ghcr", "gitlab"}

func (v *checker) registry(r *Registry) {
	switch {
	case r.Type == "":
		v.add("registry.type", "required: oci, acr, ghcr or gitlab")
	case !slices.Contains(registryTypes, r.Type):
		v.add("registry.type", "%s is not one of oci, acr, ghcr, gitlab", v.m.show("registry.type", r.Type))
	}
	if v.required("registry.url", r.URL, "the registry's host[:port]") {
		u, err := parseRegistryURL(r.URL)
		switch {
		case err != nil:
			v.add("registry.url", "%v", err)
		case u.scheme == "http" && u.explicit && !r.Insecure && !isLoopback(u.hostname):
			v.add("registry.url", "http:// to a host that is not loopback needs insecure: true")
		}
	}
	if r.Username != "" && !r.Password.IsSet() {
		v.add("registry.password", "required with registry.username")
	}
	if r.Password.IsSet() && r.Username == "" {
		v.add("registry.username", "required with registry.password")
	}
	v.globs("registry.repositories", r.Repositories)
	switch {
	case r.Untag == "":
	case r.Type != "oci":
		v.add("registry.untag", "only used with type oci")
	case r.Untag != UntagProve && r.Untag != UntagTrusted && r.Untag != UntagOff:
		v.add("registry.untag", "%s is not prove, trusted or off", v.m.show("registry.untag", r.Untag))
	}
	v.acr(r)
	v.ghcr(r)
	v.gitlabRegistry(r)
}

func (v *checker) rule(p string, r *Rule, sources map[string]string) {
	v.globs(p+".repositories", r.Repositories)
	r.tags = nil
	if v.required(p+".tags", r.Tags, `a regex with a named group pr, like ^PR(?P<pr>\d+)`) {
		re := v.regexp(p+".tags", r.Tags)
		if re != nil && re.SubexpIndex("pr") < 0 {
			v.add(p+".tags", `has no named group pr: write (?P<pr>\d+) where the pull-request number is`)
			re = nil
		}
		r.tags = re
	}
	if v.required(p+".source", r.Source, "the name of a source") {
		switch typ, ok := sources[r.Source]; {
		case !ok:
			v.add(p+".source", "%s is not the name of a source", v.m.show(p+".source", r.Source))
		case r.Repo != "" && (typ == "azuredevops" || typ == "static"):
			v.add(p+".repo", "not used with a source of type %s", typ)
		case typ == "github":
			v.githubRule(p, r)
		}
	}
	for i, d := range r.Delete {
		at := fmt.Sprintf("%s.delete[%d]", p, i)
		switch st, ok := scm.ParseState(d); {
		case !ok:
			v.add(at, "%s is not a state (open, merged, closed, missing)", v.m.show(at, d))
		case st == scm.Unknown:
			v.add(at, "unknown is never deleted: remove it")
		}
	}
	if r.MinAge < 0 {
		v.add(p+".minAge", "must not be negative")
	}
	if r.After < 0 {
		v.add(p+".after", "must not be negative")
	}
}
