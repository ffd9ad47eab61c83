package github_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

func TestStateMapsGitHubAnswers(t *testing.T) {
	e := newEnv(t, nil)
	closed := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	e.fake.SetPR("contoso/app", 1, "open", time.Time{})
	e.fake.SetPR("contoso/app", 2, "merged", closed)
	e.fake.SetPR("contoso/app", 3, "closed", closed)
	e.fake.FailPR("contoso/app", 4, http.StatusInternalServerError, scmtest.Forever)
	e.fake.HideRepo("contoso/secret")
	e.fake.SetPR("contoso/denied", 1, "merged", closed)
	e.fake.DenyPulls("contoso/denied")

	for _, tc := range []struct {
		repo, n  string
		want     scm.State
		closedAt time.Time
		sentinel error
	}{
		{"contoso/app", "1", scm.Open, time.Time{}, nil},
		{"contoso/app", "2", scm.Merged, closed, nil},
		{"Contoso/App", "3", scm.Closed, closed, nil},
		{"contoso/app", "5", scm.Missing, time.Time{}, scm.ErrNotFound},
		{"contoso/app", "4", scm.Unknown, time.Time{}, nil},
		{"contoso/secret", "1", scm.Unknown, time.Time{}, nil}, // 404, but the repository is hidden too
		{"contoso/nosuch", "1", scm.Unknown, time.Time{}, nil},
		{"contoso/denied", "1", scm.Unknown, time.Time{}, scm.ErrUnauthorized},
		{"contoso", "1", scm.Unknown, time.Time{}, scm.ErrUnexpected},
		{"contoso/app", "0", scm.Unknown, time.Time{}, scm.ErrUnexpected},
		{"contoso/app", "99999999999", scm.Unknown, time.Time{}, scm.ErrUnexpected},
		{"../x/app", "1", scm.Unknown, time.Time{}, scm.ErrUnexpected},
	} {
		t.Run(tc.repo+"#"+tc.n, func(t *testing.T) {
			st, err := e.client.State(ctx(t), ref(tc.repo, tc.n))
			if st.State != tc.want || !st.ClosedAt.Equal(tc.closedAt) {
				t.Errorf("state %+v, want %s closed at %s", st, tc.want, tc.closedAt)
			}
			switch {
			case tc.want == scm.Open || tc.want == scm.Merged || tc.want == scm.Closed:
				if err != nil {
					t.Errorf("error %v", err)
				}
			case err == nil:
				t.Error("no error")
			case tc.sentinel != nil && !errors.Is(err, tc.sentinel):
				t.Errorf("error %v does not wrap %v", err, tc.sentinel)
			case tc.want == scm.Unknown && errors.Is(err, scm.ErrNotFound):
				t.Errorf("error %v says not found: the pull request would count as missing", err)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
	if n := e.fake.PullReads("contoso/app", 4); n != 5 {
		t.Errorf("a 500 was read %d times, want 5 (the retry layer's attempts)", n)
	}
	// The repository read that proves "missing" is made once per repository.
	e.client.State(ctx(t), ref("contoso/app", "6"))
	if n := e.fake.Requests("GET repo"); n != 3 { // contoso/app, contoso/secret, contoso/nosuch
		t.Errorf("%d repository reads, want 3", n)
	}
}

func TestBadTokenIsUnauthorized(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "open", time.Time{})
	c := e.newClient(t, github.Auth{Token: "ghp_wrongwrongwrongwrongwrongwrongwrong0"})
	_, err := c.State(ctx(t), ref("contoso/app", "1"))
	if !errors.Is(err, scm.ErrUnauthorized) {
		t.Errorf("error %v, want ErrUnauthorized", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrongwrong") {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestEnterpriseServer(t *testing.T) {
	e := newEnv(t, []scmtest.GitHubOption{scmtest.GitHubEnterprise()})
	if !strings.HasSuffix(e.fake.URL(), "/api/v3") {
		t.Fatalf("fake URL %s", e.fake.URL())
	}
	e.fake.SetPR("contoso/app", 7, "merged", time.Time{})
	st, err := e.client.State(ctx(t), ref("contoso/app", "7"))
	if err != nil || st.State != scm.Merged {
		t.Errorf("State: %+v, %v", st, err)
	}
	got := e.client.States(ctx(t), []scm.Ref{ref("contoso/app", "7")})
	if got[ref("contoso/app", "7")].State != scm.Merged {
		t.Errorf("States: %+v", got)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	_, pemKey := rsaKey(t)
	for name, tc := range map[string]struct {
		url  string
		auth github.Auth
	}{
		"scheme":         {"ftp://github.example.com/api/v3", github.Auth{Token: testToken}},
		"user in URL":    {"https://me:pw@github.example.com/api/v3", github.Auth{Token: testToken}},
		"token and app":  {"", github.Auth{Token: testToken, AppID: 1, InstallationID: 2, PrivateKey: pemKey}},
		"app without id": {"", github.Auth{InstallationID: 2, PrivateKey: pemKey}},
		"bad key":        {"", github.Auth{AppID: 1, InstallationID: 2, PrivateKey: []byte("-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n")}},
		"nothing":        {"", github.Auth{}},
		"spaces":         {"", github.Auth{Token: "ghp_a b"}},
	} {
		if _, err := github.New(tc.url, tc.auth); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "pw@") || strings.Contains(err.Error(), "nope") {
			t.Errorf("%s: error shows a secret: %v", name, err)
		}
	}
	if _, err := github.New("", github.Auth{Token: testToken}); err != nil {
		t.Errorf("default URL: %v", err)
	}
}
