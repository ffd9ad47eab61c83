package config

import "fmt"

// Warnings are things in a valid configuration that a careful user would change:
// a secret written literally in the file, where anyone who reads the file (or its
// history in version control) reads the secret too.
func (c *Config) Warnings() []string {
	if c.meta == nil {
		return nil
	}
	var out []string
	for _, path := range c.meta.literal {
		if o, ok := c.meta.env[path]; ok && o.overlay {
			continue // replaced from the environment
		}
		out = append(out, fmt.Sprintf("%s: a secret is written in the configuration file; take it from the environment (${VAR}) or a file instead", path))
	}
	return append(out, c.missingWarnings()...)
}
