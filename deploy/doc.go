// Package deploy holds the tests of the Helm chart in helm/prsweep: they render it
// with Helm's own Go packages, for each mode of its examples, and decode every object
// strictly into the Kubernetes API types.
//
// It is a Go module of its own, so prsweep's module never depends on Helm or the
// Kubernetes libraries. The pipeline assets in pipelines/ are tested by the main
// module (internal/deploytest).
package deploy
