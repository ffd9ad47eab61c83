package github_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

func TestStatesBatchesHundredPerQuery(t *testing.T) {
	e := newEnv(t, nil)
	closed := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	states := []string{"open", "merged", "closed"}
	var refs []scm.Ref
	want := map[scm.Ref]scm.State{}
	for i := 1; i <= 250; i++ {
		repo := "contoso/app"
		if i%2 == 0 {
			repo = "contoso/api"
		}
		st := states[i%3]
		e.fake.SetPR(repo, i, st, closed)
		r := ref(repo, strconv.Itoa(i))
		refs = append(refs, r, r) // asked twice, read once
		want[r] = map[string]scm.State{"open": scm.Open, "merged": scm.Merged, "closed": scm.Closed}[st]
	}
	got := e.client.States(ctx(t), refs)
	if q := e.fake.GraphQLQueries(); !slices.Equal(q, []int{100, 100, 50}) {
		t.Errorf("GraphQL queries asked for %v pull requests, want [100 100 50]", q)
	}
	if len(got) != len(want) {
		t.Errorf("%d states, want %d", len(got), len(want))
	}
	for r, w := range want {
		st := got[r]
		if st.State != w {
			t.Errorf("%s: %+v, want %s", r, st, w)
		}
		if w != scm.Open && !st.ClosedAt.Equal(closed) {
			t.Errorf("%s: closed at %s, want %s", r, st.ClosedAt, closed)
		}
		if st.ReadAt.IsZero() {
			t.Errorf("%s: no read time", r)
		}
	}
	if n := e.fake.Requests("GET pull"); n != 0 {
		t.Errorf("%d REST reads; the batch answered everything", n)
	}
}

// What a batch does not answer positively is left out, for State to read alone.
func TestStatesLeavesOutWhatTheBatchDidNotAnswer(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
	e.fake.SetPR("contoso/app", 2, "open", time.Time{})
	e.fake.SetPR("contoso/app", 3, "closed", time.Time{})
	e.fake.OmitInGraphQL("contoso/app", 3)
	e.fake.HideRepo("contoso/secret")
	e.fake.SetPR("contoso/denied", 1, "merged", time.Time{})
	e.fake.DenyPulls("contoso/denied")
	refs := []scm.Ref{
		ref("contoso/app", "1"), ref("contoso/app", "2"),
		ref("contoso/app", "3"),      // null without an error
		ref("contoso/app", "4"),      // NOT_FOUND
		ref("contoso/secret", "1"),   // the repository: NOT_FOUND
		ref("contoso/denied", "1"),   // FORBIDDEN
		ref("contoso", "1"),          // not owner/name: never sent
		ref("contoso/app", "x"),      // not a number: never sent
		ref("contoso/nosuch", "12"),  // no such repository
		ref("contoso/app", "000002"), // a different ref, same pull request
	}
	got := e.client.States(ctx(t), refs)
	states := map[string]scm.State{}
	for r, st := range got {
		states[r.Repo+"#"+r.Number] = st.State
	}
	want := map[string]scm.State{"contoso/app#1": scm.Merged, "contoso/app#2": scm.Open, "contoso/app#000002": scm.Open}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	if q := e.fake.GraphQLQueries(); len(q) != 1 {
		t.Errorf("GraphQL queries %v, want one", q)
	}
}

func TestStatesFailedQueryAnswersNothing(t *testing.T) {
	for name, fault := range map[string]func(*scmtest.GitHub){
		"502":           func(f *scmtest.GitHub) { f.FailGraphQL(http.StatusBadGateway, scmtest.Forever) },
		"rate limited":  func(f *scmtest.GitHub) { f.PrimaryLimit("graphql", scmtest.Forever) },
		"secondary 403": func(f *scmtest.GitHub) { f.SecondaryLimit(scmtest.Forever, -1) },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
			fault(e.fake)
			if got := e.client.States(ctx(t), []scm.Ref{ref("contoso/app", "1")}); len(got) != 0 {
				t.Errorf("states %+v, want none", got)
			}
		})
	}
}

func TestBatchSize(t *testing.T) {
	e := newEnv(t, nil, github.WithBatchSize(2))
	var refs []scm.Ref
	for i := 1; i <= 5; i++ {
		e.fake.SetPR("contoso/app", i, "open", time.Time{})
		refs = append(refs, ref("contoso/app", fmt.Sprint(i)))
	}
	if got := e.client.States(ctx(t), refs); len(got) != 5 {
		t.Errorf("%d states, want 5", len(got))
	}
	if q := e.fake.GraphQLQueries(); !slices.Equal(q, []int{2, 2, 1}) {
		t.Errorf("queries %v, want [2 2 1]", q)
	}
	if _, err := github.New("", github.Auth{Token: testToken}, github.WithBatchSize(101)); err == nil {
		t.Error("a batch of 101 accepted")
	}
}
