// Package registrytest runs real container registries for tests and for `prsweep demo`,
// and fills them with a deterministic set of images.
//
// Two registries are available, returned as the same *Server:
//
//   - NewV3 / StartV3: the CNCF distribution registry v3 in-process (handlers.NewApp on an
//     httptest server, inmemory storage). It can delete a single tag
//     (DELETE /v2/<repo>/manifests/<tag> → 202) and pages tags/list with Link headers.
//   - NewDistribution28 / StartDistribution28: Debian's docker-registry binary
//     (distribution 2.8.2) as a child process with filesystem storage. It cannot delete a
//     tag (400 DIGEST_INVALID), only a manifest by digest, and ignores ?n= on tags/list.
//
// Seed and SeedIndex push images built from a seed (math/rand), so the same Image has the
// same digest on every run and on every registry. ClassicSet is the image set of the
// original cleanup script, with the expected outcome of sweeping closed PRs 3571 and 3574.
//
// The fakes of vendor APIs (ACR, GHCR, GitLab) stand in front of such a registry and
// fail the test on any request they do not know. What they share is in fake.go (their
// TLS servers, the record of requests, the unknown-request failure, scripted 429s) and
// backend.go (the /v2 client to the registry that holds their images).
//
// The core (servers, seeding, image sets) does not need package testing; the testing.TB
// helpers live in testing.go.
//
// Process-wide side effects: NewV3 sets the level of logrus' standard logger to error and
// its output to io.Discard (or the WithLogOutput writer); distribution logs through it and
// offers no other hook. configuration.Parse also applies REGISTRY_* environment variables.
//
// This package may import distribution v3 and go-containerregistry; nothing but tests,
// the demo and other *test packages may import it.
package registrytest
