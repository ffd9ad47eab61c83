package azuredevops_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
)

// CheckRepositories reads every repository the identity lists, and names each one it
// cannot read: there, a pull request answers "not found" like one that never was.
func TestCheckRepositories(t *testing.T) {
	ctx := context.Background()
	t.Run("every repository readable", func(t *testing.T) {
		h := newHarness(t, pat, "")
		h.fake.AddRepository("web")
		h.fake.AddRepository("infra")
		h.fake.SetPRIn("web", 9, "completed", time.Time{})
		if n, err := h.client.CheckRepositories(ctx); n != 3 || err != nil {
			t.Errorf("CheckRepositories = %d, %v; want 3, nil", n, err)
		}
	})
	t.Run("one repository unreadable", func(t *testing.T) {
		h := newHarness(t, pat, "")
		h.fake.AddRepository("web")
		h.fake.AddRepository("secret-sauce")
		h.fake.DenyRead("secret-sauce")
		n, err := h.client.CheckRepositories(ctx)
		if n != 2 || !errors.Is(err, scm.ErrUnauthorized) {
			t.Fatalf("CheckRepositories = %d, %v; want 2 and ErrUnauthorized", n, err)
		}
		if msg := err.Error(); !strings.Contains(msg, `"secret-sauce" (404 TF401019`) || strings.Contains(msg, `"web"`) ||
			!strings.Contains(msg, "of 3 in project "+project) {
			t.Errorf("error %q should name secret-sauce alone, and the project", msg)
		}
		assertNoSecret(t, pat, err.Error())
	})
	t.Run("disabled repository", func(t *testing.T) {
		h := newHarness(t, pat, "")
		h.fake.AddRepository("old")
		h.fake.DisableRepository("old")
		if _, err := h.client.CheckRepositories(ctx); !errors.Is(err, scm.ErrUnauthorized) || !strings.Contains(err.Error(), `"old" (disabled)`) {
			t.Errorf("CheckRepositories: %v; want old named as disabled", err)
		}
	})
	t.Run("a repository it cannot list is beyond the check", func(t *testing.T) {
		h := newHarness(t, pat, "")
		h.fake.AddRepository("hidden")
		h.fake.HideRepository("hidden")
		if n, err := h.client.CheckRepositories(ctx); n != 1 || err != nil {
			t.Errorf("CheckRepositories = %d, %v; want 1, nil (the limit the README states)", n, err)
		}
	})
	t.Run("refused credential", func(t *testing.T) {
		h := newHarness(t, pat, "wrong-token")
		if _, err := h.client.CheckRepositories(ctx); !errors.Is(err, scm.ErrUnauthorized) || !strings.Contains(err.Error(), "listing the repositories") {
			t.Errorf("CheckRepositories: %v; want ErrUnauthorized from the listing", err)
		}
	})
	t.Run("answers that prove nothing", func(t *testing.T) {
		for name, set := range map[string]func(h *harness){
			"list 500": func(h *harness) { h.fake.RespondRepositories(-1, 500, "application/json", `{"message":"down"}`) },
			"list 404 project": func(h *harness) {
				h.fake.RespondRepositories(-1, 404, "application/json; charset=utf-8", `{"message":"TF200016: The following project does not exist: Jarvis Web.","typeKey":"ProjectDoesNotExistWithNameException"}`)
			},
			"list without value": func(h *harness) { h.fake.RespondRepositories(-1, 200, "application/json", `{"count":0}`) },
			"repository 503":     func(h *harness) { h.fake.RespondRepository("web", -1, 503, "application/json", `{"message":"busy"}`) },
			"repository HTML":    func(h *harness) { h.fake.RespondRepository("web", -1, 200, "text/html", `<html></html>`) },
		} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, pat, "")
				h.fake.AddRepository("web")
				set(h)
				_, err := h.client.CheckRepositories(ctx)
				if err == nil || errors.Is(err, scm.ErrUnauthorized) {
					t.Errorf("CheckRepositories: %v; want an error that does not say unreadable", err)
				}
			})
		}
	})
}

// With WithMissingCheck, "not found" is missing only while every repository reads;
// without it, a pull request in an unreadable repository looks missing.
func TestMissingCheck(t *testing.T) {
	setup := func(t *testing.T, opts ...azuredevops.Option) *harness {
		h := newHarness(t, pat, "", opts...)
		h.fake.AddRepository("web")
		h.fake.AddRepository("secret-sauce")
		h.fake.SetPRIn("secret-sauce", 41, "completed", time.Time{})
		return h
	}
	t.Run("without the check", func(t *testing.T) {
		h := setup(t)
		h.fake.DenyRead("secret-sauce")
		if st, err := h.state(t, "41"); st.State != scm.Missing || !errors.Is(err, scm.ErrNotFound) {
			t.Errorf("PR 41 = %v, %v; want missing (the hazard)", st.State, err)
		}
		if n := h.fake.RepositoryRequests(); n != 0 {
			t.Errorf("%d repository requests without the check", n)
		}
	})
	t.Run("unreadable repository", func(t *testing.T) {
		h := setup(t, azuredevops.WithMissingCheck())
		h.fake.DenyRead("secret-sauce")
		for _, pr := range []string{"41", "42"} {
			st, err := h.state(t, pr)
			if st.State != scm.Unknown || err == nil || errors.Is(err, scm.ErrNotFound) {
				t.Fatalf("PR %s = %v, %v; want unknown, not ErrNotFound", pr, st.State, err)
			}
			if !strings.Contains(st.Error, "proves nothing") || !strings.Contains(st.Error, "secret-sauce") {
				t.Errorf("PR %s: error %q should say why and name the repository", pr, st.Error)
			}
		}
		if n := h.fake.RepositoryRequests(); n != 4 {
			t.Errorf("%d repository requests, want 4: one check (list and 3 reads) for both", n)
		}
		if logs := h.logs.String(); strings.Count(logs, "level=WARN") != 1 || !strings.Contains(logs, "cannot read every repository") {
			t.Errorf("want one warning, logs:\n%s", logs)
		}
	})
	t.Run("every repository readable", func(t *testing.T) {
		now := readAt
		h := setup(t, azuredevops.WithMissingCheck(), azuredevops.WithClock(func() time.Time { return now }))
		if st, err := h.state(t, "40"); st.State != scm.Missing || !errors.Is(err, scm.ErrNotFound) {
			t.Errorf("PR 40 = %v, %v; want missing", st.State, err)
		}
		if st, err := h.state(t, "41"); st.State != scm.Merged || err != nil {
			t.Errorf("PR 41 = %v, %v; want merged", st.State, err)
		}
		if _, err := h.state(t, "43"); !errors.Is(err, scm.ErrNotFound) {
			t.Errorf("PR 43: %v; want ErrNotFound", err)
		}
		if n := h.fake.RepositoryRequests(); n != 4 {
			t.Errorf("%d repository requests, want 4 (one check)", n)
		}
		// The verdict stands 15 minutes; then a "not found" checks again and sees the change.
		h.fake.DenyRead("secret-sauce")
		now = now.Add(15 * time.Minute)
		if st, err := h.state(t, "41"); st.State != scm.Unknown || errors.Is(err, scm.ErrNotFound) {
			t.Errorf("PR 41 after its repository became unreadable = %v, %v; want unknown", st.State, err)
		}
		if n := h.fake.RepositoryRequests(); n != 8 {
			t.Errorf("%d repository requests, want 8 (a second check)", n)
		}
	})
}
