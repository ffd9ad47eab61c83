// Package bench is the benchmark of a whole sweep (issue 12): a synthetic
// registry (N repositories × M tags with shared digests, indexes, cosign
// signature tags and a state mix of about N×M/5 pull requests, all drawn from a
// seed) served in-process, every request through a meter that adds latency,
// enforces a read/write quota (429 + Retry-After) and counts requests by kind;
// the Azure DevOps fake behind the same latency; one `prsweep run` as a user runs
// it (cli.Main with a configuration file, by default in a child process of its
// own) and, on a fresh copy of the same data, the original script's algorithm
// (original.go); and for each, wall
// time, requests by kind against the minimal count (minimal.go), 429s, peak
// memory, and whether the registry afterwards is exactly what it should be.
//
// cmd/prsweep-bench is its command; the benchmark and test in this package run
// it small. It drives prsweep through its command line only, so it measures the
// engine whatever its inside looks like. It may import the test registries and
// fakes (registrytest, scmtest); nothing but cmd/prsweep-bench imports it.
package bench
