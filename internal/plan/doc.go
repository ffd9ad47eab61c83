// Package plan turns per-tag decisions into what a sweep will actually do: for each
// tag to delete, the method that removes that tag and nothing else (safety rule 2),
// decided once from what the registry says it can do; and the safety limits, checked
// before anything is deleted.
//
// It is pure: no network, no os, no adapter. It imports policy, registry and scm for
// their types only.
package plan
