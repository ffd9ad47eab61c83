package github_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
)

func TestCheckNamesEachRepositoryAndPermission(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "open", time.Time{})
	e.fake.AddRepo("contoso/empty")
	e.fake.HideRepo("contoso/secret")
	e.fake.SetPR("contoso/denied", 1, "open", time.Time{})
	e.fake.DenyPulls("contoso/denied")

	if err := e.client.Check(ctx(t), []string{"contoso/app", "contoso/empty", "contoso/{name}"}); err != nil {
		t.Errorf("Check of readable repositories: %v", err)
	}
	err := e.client.Check(ctx(t), []string{"contoso/app", "contoso/secret", "contoso/denied"})
	if !errors.Is(err, scm.ErrUnauthorized) {
		t.Fatalf("Check: %v, want ErrUnauthorized", err)
	}
	for _, want := range []string{"contoso/secret", "contoso/denied", "pull requests: read"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "contoso/app") {
		t.Errorf("error %q names a readable repository", err)
	}
}

func TestCheckWithoutRepositoriesProvesTheToken(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.client.Check(ctx(t), []string{"contoso/{repository}"}); err != nil {
		t.Errorf("Check: %v", err)
	}
	if n := e.fake.Requests("GET rate_limit"); n != 1 {
		t.Errorf("%d rate_limit reads, want 1", n)
	}
	bad := e.newClient(t, github.Auth{Token: "ghp_wrongwrongwrongwrongwrongwrongwrong0"})
	if err := bad.Check(ctx(t), nil); !errors.Is(err, scm.ErrUnauthorized) {
		t.Errorf("Check with a bad token: %v, want ErrUnauthorized", err)
	}
}
