// Package image builds prsweep's container image without a Docker daemon (issue 10):
// it cross-compiles ./cmd/prsweep with CGO off for each platform, puts the static
// binary in one layer with a CA bundle and a passwd entry for uid 65532 (no shell,
// nothing else), and assembles an OCI index of the platforms with
// go-containerregistry, which it pushes to a registry or writes as an OCI layout.
//
// The image's version and revision labels are read back from the compiled binary's
// build information, the same place `prsweep version` reads them, so the labels and
// the binary can never disagree.
//
// cmd/prsweep-image is its command. It imports go-containerregistry only, none of
// prsweep's own packages: it builds prsweep as a user's `go build` would.
package image
