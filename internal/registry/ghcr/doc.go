// Package ghcr is the registry backend for the GitHub Container Registry (ghcr.io,
// and containers.HOST on GitHub Enterprise Server). It reads and deletes through
// the GitHub Packages REST API, where a container package is a repository and a
// package version is one manifest (its name is the digest, its
// metadata.container.tags the tags on it), and reads manifests through the
// registry's OCI API (package oci, by composition), signing in with the same token.
//
// What GHCR allows, and how the package maps it onto registry's methods:
//
//   - There is no tag-only delete. DELETE of a package version removes the manifest
//     with every tag on it (registry.MethodDigest); before it, the version is read
//     again, and a tag on it that the last listing did not show (pushed since) makes
//     it registry.ErrInUse. In a package of one page that read is a versions
//     listing started after the deletion asked, shared by the deletions waiting for
//     one (fresh.go); else a GET of the version.
//   - A PR tag that shares its version with a kept tag is removed by
//     registry.MethodRetag: the tag is pointed at a throwaway manifest through the
//     OCI API (a PUT, which moves the tag to a new version), and that new version is
//     deleted. The original version keeps its other tags.
//   - GitHub refuses to delete a public version downloaded more than 5,000 times,
//     and a package's last tagged version. Both are reported as
//     registry.ErrUnsupported with GitHub's reason, never retried.
//   - It is a registry.ManifestLister: a package's versions give every manifest,
//     tagged or not (an index's platform children and cosign signatures are versions
//     of their own), with its tags. Media type, children and subject are read once
//     per digest through the OCI API and kept for the Client's life (a digest's
//     manifest never changes).
//   - It is a registry.ReferrerLister from the same data: the versions whose
//     manifest names a digest as its subject (OCI 1.1 referrers pushed without a
//     sha256-<hex> fallback tag), with no request once the listing is read.
//
// Every API request goes through package httpx's retry, limiter and time-out
// layers; GitHub's rate-limit answers (403 or 429 with x-ratelimit-remaining 0, or
// a "secondary rate limit" message) are turned into 429 with the wait GitHub asks
// for (retry-after, x-ratelimit-reset, else a minute), so the shared layers retry
// them and slow the sweep.
//
// This package imports registry, registry/oci, httpx and go-containerregistry
// (the push session's ping and token exchange, push.go); only sweep imports it.
package ghcr
