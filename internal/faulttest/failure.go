package faulttest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// describe lists the violations of a run, check by check.
func describe(violations map[string][]string) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(violations)) {
		for _, line := range violations[name] {
			fmt.Fprintf(&b, "  %s: %s\n", name, line)
		}
	}
	return b.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// faults lists the injected faults of a run, for the message of a failed one.
func (r *Run) faults() string {
	var b strings.Builder
	b.WriteString("faults injected:\n")
	for _, p := range []*Proxy{r.Registry, r.Source} {
		for _, e := range p.Exchanges() {
			if e.Fault != "" {
				fmt.Fprintf(&b, "  %s: %s\n", p.Name(), e)
			}
		}
	}
	return b.String()
}

// rerun is the command that runs one seed alone.
func rerun(t *testing.T, seed uint64) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	dir := "."
	if wd, err := os.Getwd(); err == nil {
		for root := wd; root != filepath.Dir(root); root = filepath.Dir(root) {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				if rel, err := filepath.Rel(root, wd); err == nil {
					dir = "./" + filepath.ToSlash(rel)
				}
				break
			}
		}
	}
	env := fmt.Sprintf("%s=%d %s=1 ", SeedEnv, seed, RunsEnv)
	return fmt.Sprintf("%sgo test -race -count=1 -run '^%s$' -v %s", env, top, dir)
}
