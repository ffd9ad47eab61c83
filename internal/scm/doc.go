// Package scm defines what prsweep needs from a source-control system: the state of
// one pull request. Adapters (azuredevops, github, gitlab, static) live in
// subpackages, map their vendor states onto State, and return the sentinel errors
// below. This package imports only the standard library.
package scm
