// Package config owns prsweep's configuration file: its YAML schema, `${VAR}`
// expansion, the PRSWEEP_* environment overlay, defaults, file-based secrets, and
// Validate. It hands the rest of the program settled values and compiled forms
// (Rule.TagPattern, Rule.DeleteStates, Config.KeepPatterns, Registry.Scheme and
// Registry.Host), so no other package parses a pattern, a state or a URL again.
//
// Only cli, sweep and server may import this package; the stages take plain
// parameters. It imports no other internal package but scm.
//
// # Loading
//
// Load and Parse run, in order:
//
//  1. Strict YAML decoding: an unknown key is an error naming the key and its line.
//     YAML tags other than !!str are refused.
//  2. `${VAR}` expansion in every string value (never in keys), after decoding and
//     one value at a time, so no secret reaches a YAML error. `$$` is a literal
//     dollar; a `$` not followed by `{` or `$` stays as it is, so `^latest$` needs
//     no escaping. An unset variable is an error naming the key and the variable;
//     one that is set but empty is allowed. Durations (timeout, rules[].after)
//     expand too; numbers and booleans do not: use the overlay.
//  3. The PRSWEEP_* overlay (below) overrides the file.
//  4. Defaults (SetDefaults).
//  5. Files: sources[].tokenFile, registry.clientSecretFile, a static source's
//     file, serve.webhooks.github.secretFile and serve.webhooks.gitlab.tokenFile are read relative to the config file's directory, trailing newline
//     trimmed; a read error names the key. registry.caFile, registry.clientCertificateFile
//     and registry.federatedTokenFile are made relative to that directory too, but
//     not read (the adapter reads them when it needs them).
//  6. Validate, which reports every problem at once.
//
// # Environment overlay
//
// Each variable overrides one key; one that is set but empty is ignored, and a
// malformed value is an error naming the variable (OverlayVars lists them):
//
//	PRSWEEP_REGISTRY_URL           registry.url
//	PRSWEEP_REGISTRY_USERNAME      registry.username
//	PRSWEEP_REGISTRY_PASSWORD      registry.password
//	PRSWEEP_REGISTRY_INSECURE      registry.insecure (strconv.ParseBool: true, false, 1, 0)
//	PRSWEEP_CONCURRENCY            concurrency (1..64)
//	PRSWEEP_UNTAGGED               untagged (keep | delete)
//	PRSWEEP_SAFETY_MAX_DELETIONS   safety.maxDeletions
//	PRSWEEP_TIMEOUT                timeout (a Duration: 90s, 2h, 7d)
//
// # Errors
//
// Every error is an *Error (errors.As) and matches ErrInvalid (errors.Is); the CLI
// maps both to exit code 2. An error names its key path (rules[0].tags) and, where
// the value is written in the file, its line. Secret values never appear in an
// error, and neither does any value that came from the environment: the error
// names the variable instead.
package config
