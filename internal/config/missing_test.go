package config

import (
	"slices"
	"strings"
	"testing"
)

// A rule that deletes missing trusts the source's "no such pull request", which Azure
// DevOps also answers for a pull request the identity cannot read: the configuration
// warns, naming the rules, wherever warnings are shown (validate, run, plan, serve).
func TestMissingWarnings(t *testing.T) {
	const src = `registry: {url: r.example.com}
sources:
  - {name: ado, type: azuredevops, url: https://dev.azure.com/contoso, project: Jarvis, token: "${TOKEN}"}
  - {name: lit, type: static, states: {"1": merged}}
rules:
  - {tags: '^PR(?P<pr>\d+)-a', source: ado}
  - {tags: '^PR(?P<pr>\d+)-b', source: ado, delete: [merged, missing]}
  - {tags: '^PR(?P<pr>\d+)-c', source: lit, delete: [missing]}
  - {tags: '^PR(?P<pr>\d+)-d', source: ado, delete: [missing]}
`
	c := mustParse(t, src, map[string]string{"TOKEN": "t0k3n"})
	if got := c.MissingRules("ado"); !slices.Equal(got, []int{2, 4}) {
		t.Errorf("MissingRules(ado) = %v, want [2 4]", got)
	}
	if got := c.MissingRules("lit"); !slices.Equal(got, []int{3}) {
		t.Errorf("MissingRules(lit) = %v, want [3]", got)
	}
	w := c.Warnings()
	if len(w) != 1 || !strings.HasPrefix(w[0], "sources[0] (ado): rules 2, 4 delete missing") ||
		!strings.Contains(w[0], "repository of project Jarvis the identity cannot read") || !strings.Contains(w[0], "prsweep validate") {
		t.Errorf("warnings %q, want one for ado naming rules 2 and 4 (none for the static source)", w)
	}

	c = mustParse(t, strings.NewReplacer("[merged, missing]", "[merged]", "[missing]", "[closed]").Replace(src), map[string]string{"TOKEN": "t0k3n"})
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q without missing", w)
	}
}
