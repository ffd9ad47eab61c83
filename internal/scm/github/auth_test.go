package github_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

func TestAppInstallationTokenIsCachedUntilNearExpiry(t *testing.T) {
	for _, enterprise := range []bool{false, true} {
		var opts []scmtest.GitHubOption
		if enterprise {
			opts = append(opts, scmtest.GitHubEnterprise())
		}
		e := newEnv(t, opts)
		key, pemKey := rsaKey(t)
		e.fake.AddApp(42, &key.PublicKey, 7)
		e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
		c := e.newClient(t, github.Auth{AppID: 42, InstallationID: 7, PrivateKey: pemKey})
		for range 3 {
			if st, err := c.State(ctx(t), ref("contoso/app", "1")); err != nil || st.State != scm.Merged {
				t.Fatalf("State: %+v, %v", st, err)
			}
		}
		if got := c.States(ctx(t), []scm.Ref{ref("contoso/app", "1")}); got[ref("contoso/app", "1")].State != scm.Merged {
			t.Errorf("States: %+v", got)
		}
		if n := e.fake.IssuedTokens(); n != 1 {
			t.Errorf("%d tokens issued for four requests, want 1", n)
		}
		e.clock.Add(54 * time.Minute) // six minutes left: still used
		c.State(ctx(t), ref("contoso/app", "1"))
		if n := e.fake.IssuedTokens(); n != 1 {
			t.Errorf("%d tokens issued with six minutes left, want 1", n)
		}
		e.clock.Add(2 * time.Minute) // four minutes left: replaced
		if st, err := c.State(ctx(t), ref("contoso/app", "1")); err != nil || st.State != scm.Merged {
			t.Fatalf("State after refresh: %+v, %v", st, err)
		}
		if n := e.fake.IssuedTokens(); n != 2 {
			t.Errorf("%d tokens issued, want 2", n)
		}
	}
}

func TestAppRefused(t *testing.T) {
	e := newEnv(t, nil)
	key, pemKey := rsaKey(t)
	_, otherPEM := rsaKey(t)
	e.fake.AddApp(42, &key.PublicKey, 7)
	e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
	for name, auth := range map[string]github.Auth{
		"other key":          {AppID: 42, InstallationID: 7, PrivateKey: otherPEM},
		"other installation": {AppID: 42, InstallationID: 8, PrivateKey: pemKey},
		"other app":          {AppID: 43, InstallationID: 7, PrivateKey: pemKey},
	} {
		t.Run(name, func(t *testing.T) {
			c := e.newClient(t, auth)
			st, err := c.State(ctx(t), ref("contoso/app", "1"))
			if st.State != scm.Unknown || !errors.Is(err, scm.ErrUnauthorized) {
				t.Errorf("State: %+v, %v; want unknown, unauthorized", st, err)
			}
			if err != nil && !strings.Contains(err.Error(), "github app 4") {
				t.Errorf("error %v does not name the app", err)
			}
			if got := c.States(ctx(t), []scm.Ref{ref("contoso/app", "1")}); len(got) != 0 {
				t.Errorf("States: %+v, want none", got)
			}
		})
	}
	if n := e.fake.IssuedTokens(); n != 0 {
		t.Errorf("%d tokens issued, want 0", n)
	}
}
