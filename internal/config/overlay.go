package config

import (
	"strconv"
)

// Overlay variables: each overrides one key of the file. See the package doc.
const (
	EnvRegistryURL        = "PRSWEEP_REGISTRY_URL"
	EnvRegistryUsername   = "PRSWEEP_REGISTRY_USERNAME"
	EnvRegistryPassword   = "PRSWEEP_REGISTRY_PASSWORD"
	EnvRegistryInsecure   = "PRSWEEP_REGISTRY_INSECURE"
	EnvConcurrency        = "PRSWEEP_CONCURRENCY"
	EnvUntagged           = "PRSWEEP_UNTAGGED"
	EnvSafetyMaxDeletions = "PRSWEEP_SAFETY_MAX_DELETIONS"
	EnvTimeout            = "PRSWEEP_TIMEOUT"
)

// overlayVar is one PRSWEEP_* variable: the key it overrides, and how. set
// returns what the value should have been when it is malformed.
type overlayVar struct {
	name, path string
	set        func(c *Config, v string) (want string)
}

func overlayVars() []overlayVar {
	return []overlayVar{
		{EnvRegistryURL, "registry.url", func(c *Config, v string) string { c.Registry.URL = v; return "" }},
		{EnvRegistryUsername, "registry.username", func(c *Config, v string) string { c.Registry.Username = v; return "" }},
		{EnvRegistryPassword, "registry.password", func(c *Config, v string) string { c.Registry.Password = NewSecret(v); return "" }},
		{EnvRegistryInsecure, "registry.insecure", func(c *Config, v string) string {
			b, err := strconv.ParseBool(v)
			c.Registry.Insecure = b
			return wantIf(err != nil, "true or false")
		}},
		{EnvConcurrency, "concurrency", func(c *Config, v string) string {
			n, err := strconv.Atoi(v)
			c.Concurrency = n
			return wantIf(err != nil || n < minConcurrency || n > maxConcurrency, "a whole number from 1 to 64")
		}},
		{EnvUntagged, "untagged", func(c *Config, v string) string { c.Untagged = v; return "" }},
		{EnvSafetyMaxDeletions, "safety.maxDeletions", func(c *Config, v string) string {
			n, err := strconv.Atoi(v)
			c.Safety.MaxDeletions = n
			return wantIf(err != nil, "a whole number")
		}},
		{EnvTimeout, "timeout", func(c *Config, v string) string {
			d, err := ParseDuration(v)
			c.Timeout = d
			return wantIf(err != nil, "a duration (90s, 2h, 7d)")
		}},
	}
}

func wantIf(bad bool, want string) string {
	if bad {
		return want
	}
	return ""
}

// OverlayVars lists the PRSWEEP_* variables that override the file.
func OverlayVars() []string {
	var names []string
	for _, o := range overlayVars() {
		names = append(names, o.name)
	}
	return names
}

// overridden returns the key paths that set, non-empty overlay variables replace.
func overridden(env Env) map[string]bool {
	paths := map[string]bool{}
	for _, o := range overlayVars() {
		if v, ok := env(o.name); ok && v != "" {
			paths[o.path] = true
		}
	}
	return paths
}

// applyOverlay lets set, non-empty PRSWEEP_* variables override the file. A
// malformed value is an error naming the variable, not repeating the value.
func applyOverlay(c *Config, env Env, m *meta) []error {
	var errs []error
	for _, o := range overlayVars() {
		v, ok := env(o.name)
		if !ok || v == "" {
			continue
		}
		m.setFromEnv(o.path, o.name, true)
		if want := o.set(c, v); want != "" {
			errs = append(errs, &Error{File: m.file, Path: o.path, Msg: "environment variable " + o.name + " is not " + want})
		}
	}
	return errs
}
