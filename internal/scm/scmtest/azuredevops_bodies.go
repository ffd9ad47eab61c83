package scmtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Canned Azure DevOps answers. Sources: /work/shared/notes/api-notes.md §4 and
// the pages it cites. Bodies marked [U] are shaped like ADO's error envelope
// but their exact wording was not seen in a recorded response.
const (
	adoJSON = "application/json; charset=utf-8; api-version=7.1"
	adoHTML = "text/html; charset=utf-8"

	// AzureDevOpsPRNotFound is the recorded 404 body for a pull-request id that
	// does not exist (api-notes §4.1), byte for byte.
	AzureDevOpsPRNotFound = `{"$id":"1","innerException":null,"message":"TF401180: The requested pull request was not found.",` +
		`"typeName":"Microsoft.TeamFoundation.Git.Server.GitPullRequestNotFoundException, Microsoft.TeamFoundation.Git.Server",` +
		`"typeKey":"GitPullRequestNotFoundException","errorCode":0,"eventId":3000}`

	// AzureDevOpsProjectNotFound is what ADO answers, with 404, for a project
	// that does not exist or that the credential cannot see [U]. A client must
	// not take it for "no such pull request".
	AzureDevOpsProjectNotFound = `{"$id":"1","innerException":null,"message":"TF200016: The following project does not exist: Nope. ` +
		`Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",` +
		`"typeName":"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi",` +
		`"typeKey":"ProjectDoesNotExistWithNameException","errorCode":0,"eventId":3000}`

	// adoUnauthorized is the 401 envelope (TF400813, seen on PATCH; GETs with a
	// bad credential get the sign-in page instead).
	adoUnauthorized = `{"$id":"1","innerException":null,"message":"TF400813: The user '' is not authorized to access this resource.",` +
		`"typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server",` +
		`"typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}`

	// adoThrottled carries the documented TF400733 message; typeName/typeKey [U].
	adoThrottled = `{"$id":"1","innerException":null,"message":"TF400733: The request has been canceled: Request was blocked due to ` +
		`exceeding usage of resource 'Core' in namespace 'User'.",` +
		`"typeName":"Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server",` +
		`"typeKey":"RequestBlockedException","errorCode":0,"eventId":3000}` // [U] type names

	adoServerError = `{"$id":"1","innerException":null,"message":"An unexpected error has occurred within this region of the page.",` +
		`"typeName":"System.Exception, mscorlib","typeKey":"Exception","errorCode":0,"eventId":0}` // [U]

	// adoSignInPage stands for the HTML page ADO sends with 203 to a GET whose
	// credential is missing, expired or wrong (api-notes §4.2, "203 trap").
	adoSignInPage = `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Azure DevOps Services | Sign In</title>` +
		`</head><body><div id="signin"><p>Sign in to your account</p>` +
		`<a href="https://login.microsoftonline.com/common/oauth2/authorize">Sign in</a></div></body></html>`

	// adoUnknownPage is what the fake serves for a request it does not know.
	adoUnknownPage = `<!DOCTYPE html><html><head><title>The resource cannot be found.</title></head>` +
		`<body><h1>Server Error in '/' Application.</h1><h2>The resource cannot be found.</h2>` +
		`<p>HTTP 404. The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.</p></body></html>`
)

// adoDate is how ADO writes dates: UTC with seven fractional digits.
const adoDate = "2006-01-02T15:04:05.0000000Z07:00"

type adoIdentity struct {
	DisplayName string `json:"displayName"`
	ID          string `json:"id"`
	UniqueName  string `json:"uniqueName"`
}

type adoProject struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	State      string `json:"state"`
	Visibility string `json:"visibility"`
}

type adoRepository struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	URL     string     `json:"url"`
	Project adoProject `json:"project"`
}

// adoPullRequest is a GitPullRequest as GET …/pullrequests/{id} returns it,
// trimmed to the fields most often seen; closedDate is absent while active.
type adoPullRequest struct {
	Repository         adoRepository `json:"repository"`
	PullRequestID      int           `json:"pullRequestId"`
	CodeReviewID       int           `json:"codeReviewId"`
	Status             string        `json:"status"`
	CreatedBy          adoIdentity   `json:"createdBy"`
	CreationDate       string        `json:"creationDate"`
	ClosedDate         string        `json:"closedDate,omitempty"`
	Title              string        `json:"title"`
	Description        string        `json:"description"`
	SourceRefName      string        `json:"sourceRefName"`
	TargetRefName      string        `json:"targetRefName"`
	MergeStatus        string        `json:"mergeStatus"`
	IsDraft            bool          `json:"isDraft"`
	MergeID            string        `json:"mergeId"`
	Reviewers          []adoIdentity `json:"reviewers"`
	URL                string        `json:"url"`
	SupportsIterations bool          `json:"supportsIterations"`
}

// adoPRBodyIn is the body of pull request id, whose target is repository repo.
func adoPRBodyIn(base, project, repoID, repo string, id int, status string, closed time.Time) []byte {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	pr := adoPullRequest{
		Repository: adoRepository{
			ID: repoID, Name: repo,
			URL:     fmt.Sprintf("%s/_apis/git/repositories/%s", base, repoID),
			Project: adoProject{ID: "a7573007-bbb3-4341-b726-0c4148a07853", Name: project, State: "wellFormed", Visibility: "private"},
		},
		PullRequestID: id, CodeReviewID: id, Status: status,
		CreatedBy:          adoIdentity{DisplayName: "Jamal Hartnett", ID: "54d125f7-69f7-4191-904f-c5b96b6261c8", UniqueName: "fabrikamfiber4@hotmail.com"},
		CreationDate:       created.Format(adoDate),
		Title:              fmt.Sprintf("Build images for change %d", id),
		SourceRefName:      fmt.Sprintf("refs/heads/feature/%d", id),
		TargetRefName:      "refs/heads/main",
		MergeStatus:        "succeeded",
		MergeID:            "f5fc8381-3fb2-49fe-8a0d-27dcc2d6ef82",
		Reviewers:          []adoIdentity{},
		URL:                fmt.Sprintf("%s/_apis/git/repositories/%s/pullRequests/%d", base, repoID, id),
		SupportsIterations: true,
	}
	if !closed.IsZero() {
		pr.ClosedDate = closed.UTC().Format(adoDate)
	}
	b, _ := json.Marshal(pr) // cannot fail: strings, ints and bools only
	return b
}
