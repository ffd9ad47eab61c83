package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/prsweep/prsweep/internal/scm"
)

// sourceTypes are the source types prsweep has an adapter for.
var sourceTypes = []string{"azuredevops", "github", "gitlab", "static"}

// sources checks every source and returns their types by name.
func (v *checker) sources(sources []Source) map[string]string {
	types := map[string]string{}
	first := map[string]int{}
	for i := range sources {
		s, p := &sources[i], fmt.Sprintf("sources[%d]", i)
		if v.required(p+".name", s.Name, "the name rules use for this source") {
			if j, dup := first[s.Name]; dup {
				v.add(p+".name", "%s is already the name of sources[%d]", v.m.show(p+".name", s.Name), j)
			} else if !validName(s.Name) {
				v.add(p+".name", "%s: use letters, digits, '-', '_' and '.'", v.m.show(p+".name", s.Name))
			} else {
				first[s.Name], types[s.Name] = i, s.Type
			}
		}
		switch {
		case s.Type == "":
			v.add(p+".type", "required: azuredevops, github, gitlab or static")
		case !slices.Contains(sourceTypes, s.Type):
			v.add(p+".type", "%s is not one of azuredevops, github, gitlab, static", v.m.show(p+".type", s.Type))
		}
		if s.Type != "azuredevops" && s.Type != "gitlab" && s.TokenType != "" {
			v.add(p+".tokenType", "only used with type azuredevops or gitlab")
		}
		if s.Type != "static" && s.States != nil {
			v.add(p+".states", "only used with type static")
		}
		if s.Type != "static" && s.File != "" {
			v.add(p+".file", "only used with type static")
		}
		v.githubOnly(p, s)
		switch s.Type {
		case "github":
			v.githubSource(p, s)
		case "azuredevops":
			v.azureDevOps(p, s)
		case "gitlab":
			v.gitLabSource(p, s)
		case "static":
			v.static(p, s)
		}
	}
	return types
}

func validName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return s != ""
}

func (v *checker) azureDevOps(p string, s *Source) {
	if v.required(p+".url", s.URL, "the organization URL, like https://dev.azure.com/contoso") {
		if err := checkServiceURL(s.URL); err != nil {
			v.add(p+".url", "%v", err)
		}
	}
	v.required(p+".project", s.Project, "the project the pull requests belong to")
	v.token(p, s.Token, s.TokenFile, s.tokenFromFile, "token or tokenFile")
	switch s.TokenType {
	case "auto", "pat", "bearer":
	default:
		v.add(p+".tokenType", "%s is not one of auto, pat, bearer", v.m.show(p+".tokenType", s.TokenType))
	}
}

func (v *checker) static(p string, s *Source) {
	for _, k := range []struct {
		key string
		set bool
	}{
		{"url", s.URL != ""},
		{"project", s.Project != ""},
		{"token", s.Token.IsSet() && !s.tokenFromFile},
		{"tokenFile", s.TokenFile != ""},
		{"caFile", s.CAFile != ""},
	} {
		if k.set {
			v.add(p+"."+k.key, "not used with type static")
		}
	}
	switch {
	case s.File == "" && s.States == nil:
		v.add(p+".states", "a static source needs states or file")
		return
	case s.File != "" && !s.statesFromFile && s.States != nil:
		v.add(p+".file", "set states or file, not both")
		return
	}
	for _, k := range slices.Sorted(maps.Keys(s.States)) {
		at, pr := p+".states."+k, ""
		if s.statesFromFile {
			at, pr = p+".file", fmt.Sprintf("pull request %q: ", k)
		}
		if !allDigits(k) {
			v.add(at, "%s%q is not a pull-request number", pr, k)
		}
		if _, ok := scm.ParseState(s.States[k]); !ok {
			v.add(at, "%s%s is not a state (open, merged, closed, missing, unknown)", pr, v.m.show(at, s.States[k]))
		}
	}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// MissingRules returns the numbers (from 1) of the rules that take their states from
// source and delete tags whose pull request is missing.
func (c *Config) MissingRules(source string) []int {
	var out []int
	for i, r := range c.Rules {
		if r.Source == source && slices.Contains(r.DeleteStates(), scm.Missing) {
			out = append(out, i+1)
		}
	}
	return out
}

// missingWarnings says, for each source a rule deletes missing with, what that risks:
// a source may answer "no such pull request" for one its identity cannot see.
// A static source's states are written down, so they need no warning.
func (c *Config) missingWarnings() []string {
	var out []string
	for i, s := range c.Sources {
		rules := c.MissingRules(s.Name)
		if len(rules) == 0 || s.Type == "static" {
			continue
		}
		nums := make([]string, len(rules))
		for j, n := range rules {
			nums[j] = strconv.Itoa(n)
		}
		what := "rule " + nums[0] + " deletes"
		if len(rules) > 1 {
			what = "rules " + strings.Join(nums, ", ") + " delete"
		}
		hidden := "a pull request the identity cannot see"
		if s.Type == "azuredevops" {
			hidden = fmt.Sprintf("a pull request in a repository of project %s the identity cannot read (TF401180 either way)", s.Project)
		}
		if s.Type == "gitlab" {
			// "404 Project Not Found" is unknown, so only a wrong project makes a wrong "missing".
			hidden = "a merge request number the project a rule names never had (a rule naming the wrong project; one the token cannot see is unknown, not missing)"
		}
		out = append(out, fmt.Sprintf("sources[%d] (%s): %s missing, so a tag goes when the source answers \"no such pull request\"; "+
			"it answers the same for %s. `prsweep validate` checks that the identity reads every repository it can list", i, s.Name, what, hidden))
	}
	return out
}
