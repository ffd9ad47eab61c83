// Package gitlab reads merge-request states from GitLab (gitlab.com or a
// self-managed instance) through the REST API v4:
//
//	GET /projects/:id/merge_requests/:merge_request_iid            (State)
//	GET /projects/:id/merge_requests?iids[]=…&state=all&per_page=100 (States, up to 100 a request)
//	GET /projects/:id                                              (Check)
//
// :id is the project's numeric id or its URL-encoded full path (group%2Fsub%2Fapp),
// taken from the pull request's Ref.Repo or, when that is empty, the source's
// project.
//
// It owns the mapping of GitLab's answers onto scm: opened→Open, merged→Merged,
// closed and locked→Closed (as SPEC.md says; locked is GitLab's short-lived state
// of a merge request being merged); {"message":"404 Not found"} for a merge request
// of a readable project → scm.ErrNotFound; 401 and 403 → scm.ErrUnauthorized.
// "404 Project Not Found" (no such project, or one the token cannot see) and every
// other answer leave the state unknown: a wrong project must never make merge
// requests look missing. Its HTTP statuses and JSON shapes never leave the package.
//
// It is a thin client rather than GitLab's client-go: client-go turns every 404
// into one bare ErrNotFound and drops the body that tells "no such project" from
// "no such merge request", and it brings its own retries and rate limiter where
// prsweep's httpx layers and the sweep's shared Limiter already do that.
//
// It imports the standard library, scm and httpx, and nothing else of prsweep:
// not config (the caller passes plain values) and no other adapter.
package gitlab
