package scmtest

import (
	"net/http"
	"net/http/httptest"
)

// ServeAzureDevOps starts the fake outside a test (the benchmark): errorf
// receives what a test's Errorf would, a request the fake does not know. Close
// stops it.
func ServeAzureDevOps(errorf func(format string, args ...any), org, project, token string) *AzureDevOps {
	f := &AzureDevOps{
		errorf: errorf, org: org, project: project, token: token,
		prs:    map[int]adoState{},
		faults: map[int][]*adoFault{},
		slow:   map[int]*gate{},
		counts: map[int]int{},
		auth:   map[int][]string{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Close releases slow answers, then stops the server (which waits for them).
func (f *AzureDevOps) Close() {
	f.releaseAll()
	f.srv.Close()
}
