// Package plan turns per-tag decisions into what a sweep will actually do: for each
// tag to delete, the method that removes that tag and nothing else (safety rule 2),
// decided once from what the registry says it can do; what goes with a deleted tag
// (its signatures, the manifests it leaves untagged, an index's children); and the
// safety limits, checked before anything is deleted. One model of a repository
// (Repo, and Repo.Holds: what a staying tag holds, or what could not be read)
// answers the guard, the graph and apply's re-check alike (safety rule 9).
//
// It is pure: no network, no os, no adapter. It imports policy, registry and scm for
// their types only.
package plan
