// Package server is `prsweep serve`: a long-running process that sweeps on a
// schedule, reacts to "pull request closed" webhooks with a sweep scoped to that
// pull request, and serves /healthz and /metrics.
//
// Webhooks are hints, never evidence. A delivery (Azure DevOps, GitHub or GitLab)
// is authenticated (constant-time compare of Basic credentials or a secret header,
// GitHub's HMAC-SHA256 signature of the body, GitLab's token), parsed,
// deduplicated by its event or delivery id, and turned into a job on a bounded queue; the job runs
// sweep.Sweeper.ForPR, which reads the pull request's state from the source again
// and goes through the same plan and apply as `prsweep run` (shared digests,
// limits, audit log). What the payload says about the state decides only whether
// a sweep is worth queueing.
//
// One sweep runs at a time, on one goroutine. A schedule tick while a scheduled
// sweep is pending or running is skipped and logged; one that comes while a
// webhook sweep runs waits for it. Shutdown (the context passed to Run is done)
// turns /healthz to 503 and refuses new webhooks, lets the running sweep wind down
// (it starts no new deletion; those in flight finish and are journaled), logs the
// queued jobs it will not run, then shuts the HTTP server down.
//
// A sweep's report streams as `prsweep run`'s does (sweepreport.go): each
// repository's items, scoped to a webhook's pull request, are rendered and
// counted as the repository is done, and the report goes at the end to Stdout
// and to a temporary file in serve.history renamed into place as the sweep's
// report, so that a sweep of a million tags does not hold them.
//
// server may import config, sweep, report, plan and scm; it imports no adapter.
// Nothing here is global: each Server has its own Prometheus registry.
package server
