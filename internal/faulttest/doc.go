// Package faulttest proves that prsweep keeps its safety rules when the network
// and the services it talks to misbehave.
//
// Proxy is a fault-injecting HTTP proxy that sits in front of any upstream — a
// registry, scmtest's Azure DevOps fake. For each request it draws, from a
// random source seeded by (proxy seed, method and target, attempt number),
// whether to answer with one of the faults of Kinds: 5xx, 429 with and without
// Retry-After, a closed or reset connection, a hold until the client's
// per-attempt timeout fires, a truncated or malformed body, a failing page in
// the middle of a tag listing, a slow answer (released by a gate, never by a
// sleep), a DELETE that the upstream carries out while the client sees a
// failure, and spurious 404s (a manifest or blob that exists, or a DELETE whose
// success is answered 404). Because each decision depends only on the seed and
// the request, a run is reproducible from its seed whatever order concurrent
// requests arrive in.
//
// Suite runs many seeded sweeps of the fixture through two proxies (registry and
// source). A World is the registry: distribution v3 in-process or 2.8 (Debian's
// docker-registry) as a child process, as the seed says (DefaultRegistry), each
// seeded once and restored after every run. The fixture is the classic image
// set, a large repository over three listing pages, and indexes, tagged
// children, a kept index's child shared with a PR tag, and cosign-style
// signature tags; the configuration (untagged, referrers, concurrency) varies
// with the seed (SetupFor). Each run is followed by the same checks: no tag that
// should be kept is gone or changed; every tag gone is reported as deleted (or
// as failed where the registry deleted it after the proxy broke the answer); no
// sweep reports deleted a tag the registry still lists (read directly, a
// dangling tag included); every failure is reported and the exit code says so;
// nothing is deleted in a repository whose listing failed; the token is in no
// report, log or --debug dump; a fault-free sweep afterwards exits 0, fails on
// nothing and reaches exactly the expected end state; and every tag that stays
// pulls completely. Checks are values: a caller adds its own (an audit-log
// check) through SuiteOptions.Checks. How a sweep is run is a SweepFunc, so the
// same suite can drive the CLI in-process or sweep.New and Run.
//
// This is a test-helper package: only tests import it. It imports registrytest,
// scmtest, sweep (for sweep.Options), httpx, plan, policy and report; not config
// and not the adapters, which only sweep may wire (see internal/arch).
package faulttest
