// Package github reads pull-request states from GitHub.com and GitHub Enterprise
// Server, through go-github for REST and a small GraphQL client for batches.
//
// It owns the mapping of GitHub's answers onto scm: open → Open, closed and
// merged → Merged, closed and not merged → Closed; a 404 for a pull request →
// scm.ErrNotFound, but only while the repository itself can be read (GitHub also
// answers 404 for what the credentials may not see: missing.go); 401 and a 403
// that is no rate limit → scm.ErrUnauthorized; anything else → scm.ErrUnexpected
// or a plain error, both of which leave the state unknown.
//
// Client implements scm.Batcher (graphql.go: up to 100 pull requests per query;
// what a batch did not answer is read alone) and scm.Checker (check.go). It signs
// in with a token or as a GitHub App installation (auth.go). GitHub's primary and
// secondary rate limits become holds and 429s with Retry-After for httpx's retry
// layer (ratelimit.go).
//
// It imports the standard library, go-github, golang-jwt, scm and httpx, and
// nothing else of prsweep: not config (the caller passes plain values) and no
// other adapter.
package github
