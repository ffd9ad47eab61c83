// Package oci is the registry backend for any registry that speaks the OCI
// distribution API (distribution 2.x and 3.x, Harbor, Quay, Zot, most clouds'
// /v2 endpoints). It reads through go-containerregistry's remote package and maps
// every vendor error onto registry's sentinel errors; no go-containerregistry type
// leaves this package.
//
// How it deletes one tag and nothing else depends on the registry, which it learns
// by asking: DELETE of a tag that cannot exist answers 404 where tag deletion is
// supported (distribution 3), 400 where only digests can be deleted (distribution
// 2.8) and 405 where deletion is off. See Capabilities. A 404 does not show that a
// tag DELETE removes the tag alone (ACR answers the same, then deletes the whole
// manifest by tag): ProveUntag shows it on a throwaway manifest, once per repository.
//
// Every request goes through one authorised transport per scope (session.go), so a
// sweep signs in once per repository and action, not once per call. Within a
// repository, tag writes are kept apart from digest deletes (lock.go), which
// distribution 2.8 needs.
package oci
