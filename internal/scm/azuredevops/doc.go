// Package azuredevops reads pull-request states from Azure DevOps Services and
// Azure DevOps Server (TFS) with GET …/_apis/git/pullrequests/{id}.
//
// It owns the mapping of ADO's answers onto scm: active→Open, completed→Merged,
// abandoned→Closed; a 404 with ADO's "pull request not found" body
// (GitPullRequestNotFoundException, TF401180) → scm.ErrNotFound; the 203
// sign-in page, 401 and 403 → scm.ErrUnauthorized; every other answer →
// scm.ErrUnexpected or a plain error, both of which leave the state unknown.
// Its HTTP statuses and JSON shapes never leave the package.
//
// Because ADO answers TF401180 also for a pull request in a repository the identity
// cannot read, CheckRepositories lists the project's repositories and reads one pull
// request of each, and WithMissingCheck makes State trust "not found" only while that
// check passes (access.go).
//
// It imports the standard library, scm and httpx, and nothing else of prsweep:
// not config (the caller passes plain values) and no other adapter.
package azuredevops
