// Package cli is prsweep's command line: one file per command, each built by a
// constructor (no globals). Commands only wire flags and environment into a
// configuration and the sweep, and turn errors into the exit codes of SPEC.md:
// 0 done, 1 something failed (listed), 2 usage, configuration or credentials,
// 3 a safety limit stopped the sweep.
package cli
