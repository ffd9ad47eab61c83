package deploytest

import (
	"fmt"
	"regexp"
	"strings"
)

// commandKeys are the keys whose strings a CI system runs as shell commands.
var commandKeys = map[string]bool{"run": true, "script": true, "inlineScript": true, "before_script": true, "after_script": true}

var (
	// A variable or macro reference: $VAR, ${VAR}, $(Macro.Name), $env:VAR.
	varRef = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_.]*)\}|\(([A-Za-z_][A-Za-z0-9_.-]*)\)|(?:env:)?([A-Za-z_][A-Za-z0-9_]*))`)
	// A name that holds a credential.
	secretName = regexp.MustCompile(`(?i)token|secret|passw|credential|private|(^|_)key($|_)|accesskey|apikey`)
)

// commandSecrets returns why a command string could put a secret on a command line:
// a template expression (${{ … }}: GitHub's secrets and inputs, Azure's parameters,
// which are pasted into the script before it runs, so they belong in env) or a
// reference to a variable whose name says it holds a credential.
func commandSecrets(cmd string) []string {
	var why []string
	if strings.Contains(cmd, "${{") {
		why = append(why, "a ${{ }} expression: pass it through env")
	}
	for _, m := range varRef.FindAllStringSubmatch(cmd, -1) {
		name := m[1] + m[2] + m[3]
		if secretName.MatchString(name) {
			why = append(why, fmt.Sprintf("%s names a credential: let prsweep read it from the environment", m[0]))
		}
	}
	return why
}

// walkCommands calls f with every string under a command key in a decoded YAML tree,
// with its path.
func walkCommands(v any, path string, f func(path, cmd string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			p := path + "." + k
			if commandKeys[k] {
				forStrings(child, p, f)
				continue
			}
			walkCommands(child, p, f)
		}
	case []any:
		for i, child := range v {
			walkCommands(child, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

func forStrings(v any, path string, f func(path, cmd string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case []any:
		for i, child := range v {
			forStrings(child, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}
