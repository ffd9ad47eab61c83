// Package registry defines what prsweep needs from a container registry: listing
// repositories and tags, resolving a tag to the manifest it points at, and deleting a
// tag by one of the methods the registry supports.
//
// Adapters (oci, acr, …) live in subpackages, return these types and the sentinel
// errors below, and keep every vendor type and HTTP status to themselves. This package
// imports only the standard library.
package registry
