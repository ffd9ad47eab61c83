package scmtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// serve checks a request the way ADO would, then answers with the first queued
// fault for its pull request, or with the pull request, or with TF401180.
func (f *AzureDevOps) serve(w http.ResponseWriter, r *http.Request) {
	if f.serveGit(w, r) {
		return
	}
	id, problem := f.route(r)
	if problem != "" {
		// Never echo headers here: the Authorization header is a credential.
		f.errorf("azure devops fake: unexpected request %s %s: %s", r.Method, r.URL.Path, problem)
		write(w, http.StatusNotFound, adoHTML, adoUnknownPage)
		return
	}
	scheme, ok := f.authorized(r.Header.Get("Authorization"))
	f.mu.Lock()
	f.counts[id]++
	f.auth[id] = append(f.auth[id], scheme)
	g := f.slow[id]
	f.mu.Unlock()
	if !ok {
		signIn(w)
		return
	}
	if g != nil {
		select {
		case <-r.Context().Done():
			return // the client gave up; nobody reads an answer
		case <-g.ch:
		}
	}
	if fault := f.nextFault(id); fault != nil {
		fault(w)
		return
	}
	f.mu.Lock()
	pr, known := f.prs[id]
	readable := f.readableLocked(pr)
	f.mu.Unlock()
	if !known || !readable {
		// A pull request in a repository the identity may not read is as absent as
		// one that never existed (azuredevops_repos.go).
		write(w, http.StatusNotFound, adoJSON, AzureDevOpsPRNotFound)
		return
	}
	write(w, http.StatusOK, adoJSON, string(f.prBody(id, pr)))
}

// route returns the pull-request id a request asks for, or why the request is
// not one the fake knows.
func (f *AzureDevOps) route(r *http.Request) (int, string) {
	if r.Method != http.MethodGet {
		return 0, "method is not GET"
	}
	prefix := "/" + f.org + "/" + f.project + "/_apis/git/pullrequests/"
	rest, found := strings.CutPrefix(r.URL.Path, prefix)
	if !found {
		return 0, fmt.Sprintf("path is not under %s", prefix)
	}
	id, err := strconv.Atoi(rest)
	if err != nil || id < 0 || itoa(id) != rest {
		return 0, fmt.Sprintf("%q is not a pull-request id", rest)
	}
	if q := r.URL.Query(); len(q) != 1 || q.Get("api-version") != "7.1" {
		return 0, fmt.Sprintf("query %q is not api-version=7.1", r.URL.RawQuery)
	}
	if v := r.Header.Get("X-TFS-FedAuthRedirect"); v != "Suppress" {
		return 0, fmt.Sprintf("X-TFS-FedAuthRedirect is %q, want Suppress", v)
	}
	return id, ""
}

// authorized reports the scheme of an Authorization header and whether it
// carries the fake's token: Basic with an empty user name, or Bearer.
func (f *AzureDevOps) authorized(h string) (scheme string, ok bool) {
	scheme, cred, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		return "Basic", err == nil && string(raw) == ":"+f.token
	case strings.EqualFold(scheme, "Bearer"):
		return "Bearer", cred == f.token
	}
	return scheme, false
}

func (f *AzureDevOps) nextFault(id int) func(http.ResponseWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.faults[id]
	if len(q) == 0 {
		return nil
	}
	head := q[0]
	if head.times != Forever {
		head.times--
		if head.times == 0 {
			f.faults[id] = q[1:]
		}
	}
	return head.write
}

func signIn(w http.ResponseWriter) {
	write(w, http.StatusNonAuthoritativeInfo, adoHTML, adoSignInPage)
}

func write(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func itoa(n int) string { return strconv.Itoa(n) }
