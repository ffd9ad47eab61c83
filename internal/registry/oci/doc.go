// Package oci is the registry backend for any registry that speaks the OCI
// distribution API (distribution 2.x and 3.x, Harbor, Quay, Zot, most clouds'
// /v2 endpoints). It reads through go-containerregistry's remote package and maps
// every vendor error onto registry's sentinel errors; no go-containerregistry type
// leaves this package.
//
// How it deletes one tag and nothing else depends on the registry, which it learns
// by asking: DELETE of a tag that cannot exist answers 404 where tag deletion is
// supported (distribution 3), 400 where only digests can be deleted (distribution
// 2.8) and 405 where deletion is off. See Capabilities.
package oci
