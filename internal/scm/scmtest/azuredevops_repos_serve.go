package scmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveGit answers the repository endpoints; false when r is not one of them.
func (f *AzureDevOps) serveGit(w http.ResponseWriter, r *http.Request) bool {
	prefix := "/" + f.org + "/" + f.project + "/_apis/git/repositories"
	rest, found := strings.CutPrefix(r.URL.Path, prefix)
	if !found {
		return false
	}
	repoID, wantRepo := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/pullrequests")
	if problem := gitProblem(r, rest, repoID, wantRepo); problem != "" {
		f.errorf("azure devops fake: unexpected request %s %s: %s", r.Method, r.URL.Path, problem)
		write(w, http.StatusNotFound, adoHTML, adoUnknownPage)
		return true
	}
	_, ok := f.authorized(r.Header.Get("Authorization"))
	f.mu.Lock()
	g := f.gitLocked()
	g.requests++
	f.mu.Unlock()
	if !ok {
		signIn(w)
		return true
	}
	if !wantRepo {
		f.serveRepoList(w)
		return true
	}
	f.serveRepoPRs(w, repoID, r.URL.Query().Get("$top"))
	return true
}

// gitProblem says why a request for the repository endpoints is not one the fake knows.
func gitProblem(r *http.Request, rest, repoID string, wantRepo bool) string {
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		return "method is not GET"
	case r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress":
		return "X-TFS-FedAuthRedirect is not Suppress"
	case q.Get("api-version") != "7.1":
		return fmt.Sprintf("query %q has no api-version=7.1", r.URL.RawQuery)
	case !wantRepo && rest == "":
		if len(q) != 1 {
			return fmt.Sprintf("query %q: the fake lists with api-version alone", r.URL.RawQuery)
		}
	case !wantRepo || repoID == "" || strings.Contains(repoID, "/"):
		return fmt.Sprintf("path %q is not …/repositories or …/repositories/{id}/pullrequests", r.URL.Path)
	default:
		top, err := strconv.Atoi(q.Get("$top"))
		if len(q) != 3 || q.Get("searchCriteria.status") != "all" || err != nil || top < 1 {
			return fmt.Sprintf("query %q: want searchCriteria.status=all, $top>0, api-version", r.URL.RawQuery)
		}
	}
	return ""
}

func (f *AzureDevOps) serveRepoList(w http.ResponseWriter) {
	f.mu.Lock()
	g := f.gitLocked()
	fault := nextOf(&g.listed)
	var value []adoGitRepository
	for _, r := range g.repos {
		if !r.hidden {
			value = append(value, f.repoJSON(r))
		}
	}
	f.mu.Unlock()
	if fault != nil {
		fault(w)
		return
	}
	b, _ := json.Marshal(map[string]any{"value": value, "count": len(value)}) // cannot fail
	write(w, http.StatusOK, adoJSON, string(b))
}

func (f *AzureDevOps) serveRepoPRs(w http.ResponseWriter, idOrName, top string) {
	f.mu.Lock()
	g := f.gitLocked()
	i := slices.IndexFunc(g.repos, func(r *adoRepo) bool { return r.id == idOrName || strings.EqualFold(r.name, idOrName) })
	var fault func(http.ResponseWriter)
	if i >= 0 {
		q := g.read[i]
		fault = nextOf(&q)
		g.read[i] = q
	}
	if fault == nil && (i < 0 || g.repos[i].denied || g.repos[i].disabled) {
		fault = func(w http.ResponseWriter) {
			write(w, http.StatusNotFound, adoJSON, AzureDevOpsRepositoryNotFound(idOrName))
		}
	}
	var ids []int
	if i >= 0 {
		for id, st := range f.prs {
			if st.repo == g.repos[i].name || (st.repo == "" && i == 0) {
				ids = append(ids, id)
			}
		}
	}
	f.mu.Unlock()
	if fault != nil {
		fault(w)
		return
	}
	slices.Sort(ids)
	slices.Reverse(ids) // newest first
	n, _ := strconv.Atoi(top)
	ids = ids[:min(n, len(ids))]
	value := make([]json.RawMessage, 0, len(ids))
	for _, id := range ids {
		f.mu.Lock()
		st := f.prs[id]
		f.mu.Unlock()
		value = append(value, f.prBody(id, st))
	}
	b, _ := json.Marshal(map[string]any{"value": value, "count": len(value)}) // cannot fail
	write(w, http.StatusOK, adoJSON, string(b))
}

// prBody is a pull request's GitPullRequest, in its own repository.
func (f *AzureDevOps) prBody(id int, st adoState) []byte {
	repo, repoID := f.project, defaultRepoID
	f.mu.Lock()
	if st.repo != "" && f.git != nil {
		if r := f.git.find(st.repo); r != nil {
			repo, repoID = r.name, r.id
		}
	}
	f.mu.Unlock()
	return adoPRBodyIn(f.URL()+"/"+f.project, f.project, repoID, repo, id, st.status, st.closed)
}

// adoGitRepository is a GitRepository as the list returns it.
type adoGitRepository struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	URL             string     `json:"url"`
	Project         adoProject `json:"project"`
	DefaultBranch   string     `json:"defaultBranch,omitempty"`
	Size            int        `json:"size"`
	RemoteURL       string     `json:"remoteUrl"`
	SSHURL          string     `json:"sshUrl"`
	WebURL          string     `json:"webUrl"`
	IsDisabled      bool       `json:"isDisabled"`
	IsInMaintenance bool       `json:"isInMaintenance"`
}

func (f *AzureDevOps) repoJSON(r *adoRepo) adoGitRepository {
	base := f.URL() + "/" + f.project
	return adoGitRepository{
		ID: r.id, Name: r.name, URL: base + "/_apis/git/repositories/" + r.id,
		Project:       adoProject{ID: "a7573007-bbb3-4341-b726-0c4148a07853", Name: f.project, State: "wellFormed", Visibility: "private"},
		DefaultBranch: "refs/heads/main", Size: 1048576,
		RemoteURL: base + "/_git/" + r.name, SSHURL: "git@ssh.dev.azure.com:v3/" + f.org + "/" + f.project + "/" + r.name,
		WebURL: base + "/_git/" + r.name, IsDisabled: r.disabled,
	}
}

// nextOf takes the next answer from a fault queue (the caller holds f.mu).
func nextOf(q *[]*adoFault) func(http.ResponseWriter) {
	if len(*q) == 0 {
		return nil
	}
	head := (*q)[0]
	if head.times != Forever {
		head.times--
		if head.times == 0 {
			*q = (*q)[1:]
		}
	}
	return head.write
}
