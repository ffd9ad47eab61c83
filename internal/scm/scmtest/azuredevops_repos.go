package scmtest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Git repositories of the fake's project, for what prsweep validate checks before it
// trusts "no such pull request" (missing):
//
//	GET {org}/{project}/_apis/git/repositories?api-version=7.1
//	  → 200 {"value":[GitRepository…],"count":n}
//	GET {org}/{project}/_apis/git/repositories/{id}/pullrequests?searchCriteria.status=all&$top=1&api-version=7.1
//	  → 200 {"value":[GitPullRequest…],"count":k}, newest first, at most $top
//
// Shapes from the REST reference's examples (vsts-rest-api-specs, git 7.1:
// GET__git_repositories.json, GET__git_repositories__repositoryId__pullRequests.json).
// The project always has one repository named after it (the one SetPR's pull
// requests belong to); AddRepository adds more.
//
// A repository the identity may not read answers every read under it with 404 and
// TF401019 (GitRepositoryNotFoundException), the answer for "does not exist or you do
// not have permissions" (recorded in a pipeline whose job token could not read
// another repository of its project). A pull request in such a repository answers
// GET …/pullrequests/{id} with TF401180, exactly like one that does not exist: that is
// the hazard of deleting missing [U: assumed, never observed]. Whether ADO lists such
// a repository depends on why it cannot be read, and was not seen either: DenyRead
// lists it (a job token limited to referenced repositories [U]), HideRepository
// does not (a Read deny, if ADO trims the list to what the identity can read [U]).

// AzureDevOpsRepositoryNotFound returns ADO's 404 body for a repository that does not
// exist or that the identity may not read (shape recorded, message with the id asked).
func AzureDevOpsRepositoryNotFound(idOrName string) string {
	return `{"$id":"1","innerException":null,"message":"TF401019: The Git repository with name or identifier ` + idOrName +
		` does not exist or you do not have permissions for the operation you are attempting.",` +
		`"typeName":"Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, Microsoft.TeamFoundation.Git.Server",` +
		`"typeKey":"GitRepositoryNotFoundException","errorCode":0,"eventId":3000}`
}

// defaultRepoID is the id of the repository named after the project.
const defaultRepoID = "3411ebc1-d5aa-464f-9615-0b527bc66719"

type adoRepo struct {
	id, name string
	denied   bool // reads answer TF401019
	hidden   bool // and the list leaves it out
	disabled bool
}

// adoGit is the fake's git state beyond pull-request states.
type adoGit struct {
	repos    []*adoRepo
	requests int                 // requests for the repository endpoints
	listed   []*adoFault         // faults for the repository list
	read     map[int][]*adoFault // faults for one repository's pull requests, by AddRepository order
}

// AddRepository adds a readable git repository to the project and returns its id.
func (f *AzureDevOps) AddRepository(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.gitLocked()
	if g.find(name) != nil {
		f.errorf("azure devops fake: repository %q added twice", name)
		return ""
	}
	id := fmt.Sprintf("5febef5a-833d-4e14-b9c0-%012x", len(g.repos))
	g.repos = append(g.repos, &adoRepo{id: id, name: name})
	return id
}

// DenyRead makes the identity unable to read repository name, which it still lists.
func (f *AzureDevOps) DenyRead(name string) { f.setRepo(name, func(r *adoRepo) { r.denied = true }) }

// HideRepository makes the identity unable to read repository name, which it no
// longer lists either.
func (f *AzureDevOps) HideRepository(name string) {
	f.setRepo(name, func(r *adoRepo) { r.denied, r.hidden = true, true })
}

// DisableRepository marks repository name isDisabled; reads under it answer TF401019 [U].
func (f *AzureDevOps) DisableRepository(name string) {
	f.setRepo(name, func(r *adoRepo) { r.disabled = true })
}

// SetPRIn is SetPR for a pull request whose target branch is in repository repo. While
// the identity may not read repo, GET …/pullrequests/{id} answers TF401180.
func (f *AzureDevOps) SetPRIn(repo string, id int, status string, closedDate time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gitLocked().find(repo) == nil {
		f.errorf("azure devops fake: SetPRIn: no repository %q", repo)
		return
	}
	f.prs[id] = adoState{status: status, closed: closedDate, repo: repo}
}

// RespondRepositories queues an answer for the repository list, before the list.
func (f *AzureDevOps) RespondRepositories(times, status int, contentType, body string) {
	f.addGitFault(-1, times, func(w http.ResponseWriter) { write(w, status, contentType, body) })
}

// RespondRepository queues an answer for reads of repository name's pull requests.
func (f *AzureDevOps) RespondRepository(name string, times, status int, contentType, body string) {
	f.mu.Lock()
	i := slices.IndexFunc(f.gitLocked().repos, func(r *adoRepo) bool { return r.name == name })
	f.mu.Unlock()
	if i < 0 {
		f.errorf("azure devops fake: RespondRepository: no repository %q", name)
		return
	}
	f.addGitFault(i, times, func(w http.ResponseWriter) { write(w, status, contentType, body) })
}

// RepositoryRequests returns how many requests the repository endpoints received.
func (f *AzureDevOps) RepositoryRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gitLocked().requests
}

// gitLocked returns the git state, creating it with the project's own repository.
func (f *AzureDevOps) gitLocked() *adoGit {
	if f.git == nil {
		f.git = &adoGit{repos: []*adoRepo{{id: defaultRepoID, name: f.project}}, read: map[int][]*adoFault{}}
	}
	return f.git
}

func (g *adoGit) find(name string) *adoRepo {
	for _, r := range g.repos {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (f *AzureDevOps) setRepo(name string, set func(*adoRepo)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.gitLocked().find(name)
	if r == nil {
		f.errorf("azure devops fake: no repository %q", name)
		return
	}
	set(r)
}

func (f *AzureDevOps) addGitFault(repo, times int, w func(http.ResponseWriter)) {
	if times == 0 || times < Forever {
		f.errorf("azure devops fake: fault with times %d: want > 0 or Forever", times)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.gitLocked()
	if repo < 0 {
		g.listed = append(g.listed, &adoFault{times: times, write: w})
		return
	}
	g.read[repo] = append(g.read[repo], &adoFault{times: times, write: w})
}

// readableLocked reports whether the identity may read the pull request's
// repository (the caller holds f.mu).
func (f *AzureDevOps) readableLocked(st adoState) bool {
	if st.repo == "" || f.git == nil {
		return true
	}
	r := f.git.find(st.repo)
	return r != nil && !r.denied && !r.disabled
}
