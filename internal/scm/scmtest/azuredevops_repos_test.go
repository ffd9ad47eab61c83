package scmtest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The repository endpoints answer as ADO's reference shows, hide what the identity
// may not read behind TF401019, and a pull request there behind TF401180.
func TestAzureDevOpsRepositories(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewAzureDevOps(rec, "contoso", "Jar vis", token)
	api := f.URL() + "/" + url.PathEscape("Jar vis") + "/_apis/git/repositories"
	good := map[string]string{"Authorization": basic(token), "X-TFS-FedAuthRedirect": "Suppress"}
	web := f.AddRepository("web")
	secretID := f.AddRepository("secret")
	f.AddRepository("hidden")
	f.DenyRead("secret")
	f.HideRepository("hidden")
	f.SetPR(7, "active", time.Time{})
	f.SetPRIn("web", 9, "completed", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetPRIn("secret", 11, "completed", time.Time{})

	a := get(t, api+"?api-version=7.1", good)
	var list struct {
		Count int `json:"count"`
		Value []struct {
			ID, Name   string
			IsDisabled *bool `json:"isDisabled"`
		} `json:"value"`
	}
	if err := json.Unmarshal([]byte(a.body), &list); a.status != 200 || err != nil {
		t.Fatalf("list: %d %s (%v)", a.status, a.body, err)
	}
	var names []string
	for _, r := range list.Value {
		names = append(names, r.Name)
		if r.ID == "" || r.IsDisabled == nil {
			t.Errorf("repository %+v lacks id or isDisabled", r)
		}
	}
	if got := strings.Join(names, ","); got != "Jar vis,web,secret" || list.Count != 3 {
		t.Errorf("listed %q (count %d), want the project's own, web and secret, not hidden", got, list.Count)
	}

	prs := func(idOrName string) answer {
		return get(t, api+"/"+idOrName+"/pullrequests?searchCriteria.status=all&$top=1&api-version=7.1", good)
	}
	if a := prs(web); a.status != 200 || !strings.Contains(a.body, `"pullRequestId":9`) || !strings.Contains(a.body, `"count":1`) {
		t.Errorf("web's pull requests: %d %s", a.status, a.body)
	}
	for _, id := range []string{secretID, "hidden", "nope"} {
		if a := prs(id); a.status != 404 || a.body != AzureDevOpsRepositoryNotFound(id) {
			t.Errorf("pull requests of %s: %d %s, want 404 TF401019", id, a.status, a.body)
		}
	}
	pr := func(id string) answer {
		return get(t, f.URL()+"/"+url.PathEscape("Jar vis")+"/_apis/git/pullrequests/"+id+"?api-version=7.1", good)
	}
	if a := pr("9"); a.status != 200 || !strings.Contains(a.body, `"name":"web"`) {
		t.Errorf("PR 9: %d %s, want it in repository web", a.status, a.body)
	}
	if a := pr("11"); a.status != 404 || a.body != AzureDevOpsPRNotFound {
		t.Errorf("PR 11 in an unreadable repository: %d %s, want TF401180", a.status, a.body)
	}
	if a := get(t, api+"?api-version=7.1", map[string]string{"X-TFS-FedAuthRedirect": "Suppress"}); a.status != 203 {
		t.Errorf("list without a credential: %d, want the 203 sign-in page", a.status)
	}
	if n := f.RepositoryRequests(); n != 6 {
		t.Errorf("%d repository requests counted, want 6", n)
	}
	if errs := rec.errors(); len(errs) > 0 {
		t.Errorf("fake reported %q", errs)
	}

	for _, q := range []string{"?api-version=7.1&includeHidden=true", "?api-version=6.0", "/" + web + "/pullrequests?api-version=7.1",
		"/" + web + "/pullrequests?searchCriteria.status=active&$top=1&api-version=7.1", "/" + web + "/refs?api-version=7.1"} {
		before := len(rec.errors())
		if a := get(t, api+q, good); a.status != 404 || len(rec.errors()) != before+1 {
			t.Errorf("%s: %d and %d reports, want 404 and a report", q, a.status, len(rec.errors())-before)
		}
	}
}
