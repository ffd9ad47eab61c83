// Package faulttest proves that prsweep keeps its safety rules when the network
// and the services it talks to misbehave.
//
// Proxy is a fault-injecting HTTP proxy that sits in front of any upstream — the
// in-process distribution registry, scmtest's Azure DevOps fake. For each request
// it draws, from a random source seeded by (proxy seed, method and target,
// attempt number), whether to answer with one of the faults of Kinds: 5xx, 429
// with and without Retry-After, a closed or reset connection, a hold until the
// client's per-attempt timeout fires, a truncated or malformed body, a failing
// page in the middle of a tag listing, a slow answer (released by a gate, never by
// a sleep), or a DELETE that the upstream carries out while the client sees a
// failure. Because each decision depends only on the seed and the request, a run
// is reproducible from its seed whatever order concurrent requests arrive in.
//
// Suite runs many seeded sweeps of the classic image set plus a large repository
// through two proxies (registry and source), each followed by the same checks:
// no tag that should be kept is gone or changed, every tag gone is reported as
// deleted (or as failed where the registry deleted it after the proxy broke the
// answer), every failure is reported and the exit code says so, the token is in
// no report, log or --debug dump (on for odd seeds), and a fault-free sweep
// afterwards reaches exactly the expected end state. Checks are values: a
// caller adds its own (an audit-log check) through SuiteOptions.Checks. How a
// sweep is run is a SweepFunc, so the same suite can drive the CLI in-process or
// sweep.New and Run.
//
// This is a test-helper package: only tests import it. It imports registrytest,
// scmtest, sweep (for sweep.Options), httpx, plan, policy and report; not config
// and not the adapters, which only sweep may wire (see internal/arch).
package faulttest
