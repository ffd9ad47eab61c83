package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/server"
)

// A webhook is taken only with the configured credentials; a refusal queues
// nothing and never says which part was wrong.
func TestWebhookAuth(t *testing.T) {
	body := adoEvent("e1", 3571, "completed", "Jarvis")
	t.Run("basic", func(t *testing.T) {
		f := newFixture(t, basicHook)
		for _, tt := range []struct {
			name, user, pass string
		}{
			{"none", "", ""},
			{"wrong password", hookUser, hookPassword + "x"},
			{"password prefix", hookUser, hookPassword[:len(hookPassword)-1]},
			{"wrong user", "admin", hookPassword},
			{"empty password", hookUser, ""},
		} {
			status, h, msg := post(t, f.hooks.URL, tt.user, tt.pass, body)
			if status != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") || msg != "unauthorized\n" {
				t.Errorf("%s: %d %q %q, want 401 with a Basic challenge", tt.name, status, h.Get("WWW-Authenticate"), msg)
			}
		}
		page := func() string { _, _, p := get(t, f.hooks.URL+"/metrics"); return p }
		if got := metric(t, page(), `prsweep_queue_depth`); got != 0 {
			t.Errorf("refused deliveries queued %v sweeps", got)
		}
		if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, body); status != http.StatusAccepted || msg != "sweep queued for ado#3571\n" {
			t.Errorf("right credentials: %d %q, want 202", status, msg)
		}
		p := page()
		if got := metric(t, p, `prsweep_webhook_requests_total{endpoint="azuredevops",result="unauthorized"}`); got != 5 {
			t.Errorf("unauthorized requests counted %v, want 5", got)
		}
		if got := metric(t, p, `prsweep_queue_depth`); got != 1 {
			t.Errorf("queue depth %v, want 1", got)
		}
	})
	t.Run("header", func(t *testing.T) {
		f := newFixture(t, `  webhooks:
    azuredevops:
      header: X-Prsweep-Token
      secret: ${HOOK_SECRET}
`)
		for _, tt := range []struct {
			name   string
			values []string
			want   int
		}{
			{"none", nil, http.StatusUnauthorized},
			{"wrong", []string{"nope"}, http.StatusUnauthorized},
			{"twice", []string{hookPassword, hookPassword}, http.StatusUnauthorized},
			{"right", []string{hookPassword}, http.StatusAccepted},
		} {
			req, _ := http.NewRequest(http.MethodPost, f.hooks.URL+"/webhooks/azuredevops", strings.NewReader(body))
			for _, v := range tt.values {
				req.Header.Add("x-prsweep-token", v)
			}
			req.SetBasicAuth(hookUser, hookPassword) // Basic does not stand in for the header
			if status, h, _ := do(t, req); status != tt.want || h.Get("WWW-Authenticate") != "" {
				t.Errorf("%s: %d (WWW-Authenticate %q), want %d", tt.name, status, h.Get("WWW-Authenticate"), tt.want)
			}
		}
	})
}

// Bodies that are not a readable service-hook event are refused with 400 (413
// when too large); events and statuses that close no pull request are ignored.
func TestWebhookPayloads(t *testing.T) {
	f := newFixture(t, basicHook)
	event := func(resource string) string {
		return `{"id": "e", "eventType": "git.pullrequest.updated", "resource": ` + resource + `}`
	}
	tests := []struct {
		name, body string
		want       int
	}{
		{"not JSON", `eventType=git.pullrequest.updated`, http.StatusBadRequest},
		{"truncated", adoEvent("e", 3571, "completed", "Jarvis")[:200], http.StatusBadRequest},
		{"empty", ``, http.StatusBadRequest},
		{"no eventType", `{"id": "e", "resource": {"pullRequestId": 3571, "status": "completed"}}`, http.StatusBadRequest},
		{"array", `[]`, http.StatusBadRequest},
		{"no resource", `{"id": "e", "eventType": "git.pullrequest.updated"}`, http.StatusBadRequest},
		{"resource not an object", event(`"3571"`), http.StatusBadRequest},
		{"pullRequestId missing", event(`{"status": "completed"}`), http.StatusBadRequest},
		{"pullRequestId zero", event(`{"pullRequestId": 0, "status": "completed"}`), http.StatusBadRequest},
		{"pullRequestId negative", event(`{"pullRequestId": -3571, "status": "completed"}`), http.StatusBadRequest},
		{"pullRequestId fraction", event(`{"pullRequestId": 3571.5, "status": "completed"}`), http.StatusBadRequest},
		{"pullRequestId text", event(`{"pullRequestId": "PR3571", "status": "completed"}`), http.StatusBadRequest},
		{"too large", `{"id": "` + strings.Repeat("x", 2<<20) + `"}`, http.StatusRequestEntityTooLarge},
		{"merge attempted", strings.Replace(adoEvent("m", 3571, "completed", "Jarvis"), "git.pullrequest.updated", "git.pullrequest.merged", 1), http.StatusNoContent},
		{"created", strings.Replace(adoEvent("c", 3571, "active", "Jarvis"), "git.pullrequest.updated", "git.pullrequest.created", 1), http.StatusNoContent},
		{"active", adoEvent("a", 3571, "active", "Jarvis"), http.StatusNoContent},
		{"notSet", adoEvent("n", 3571, "notSet", "Jarvis"), http.StatusNoContent},
		{"another project", strings.ReplaceAll(adoEvent("o", 3571, "completed", "Other"), "a7573007-bbb3-4341-b726-0c4148a07853", "0"), http.StatusNoContent},
	}
	for _, tt := range tests {
		status, h, msg := post(t, f.hooks.URL, hookUser, hookPassword, tt.body)
		if status != tt.want {
			t.Errorf("%s: %d %q, want %d", tt.name, status, msg, tt.want)
		}
		if status != http.StatusNoContent && h.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.name, h.Get("Content-Type"))
		}
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	for result, want := range map[string]float64{"malformed": 12, "too_large": 1, "ignored": 4, "no_source": 1, "accepted": 0} {
		if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="azuredevops",result="`+result+`"}`); got != want {
			t.Errorf("webhook requests %s: %v, want %v", result, got, want)
		}
	}
	if got := metric(t, page, `prsweep_queue_depth`); got != 0 {
		t.Errorf("queue depth %v, want 0", got)
	}
	if status, h, _ := get(t, f.hooks.URL+"/webhooks/azuredevops"); status != http.StatusMethodNotAllowed || h.Get("Allow") == "" {
		t.Errorf("GET on the webhook: %d, Allow %q; want 405", status, h.Get("Allow"))
	}
}

// A completed pull request's webhook sweeps that pull request's tags alone,
// reading its state again; another closed pull request's tags stay for the
// schedule.
func TestWebhookDeletesOnlyThatPullRequest(t *testing.T) {
	f := newFixture(t, basicHook)
	if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("%d %q, want 202", status, msg)
	}
	_, stop := f.start()
	if ev := f.next(server.Started); ev.Trigger != server.TriggerWebhook || ev.PR != "ado#3571" {
		t.Errorf("started %+v", ev)
	}
	ev := f.next(server.Finished)
	if ev.Outcome != server.OutcomeOK || ev.Summary == nil || ev.Summary.Deleted != 2 || ev.Summary.Preserved != 0 || ev.Summary.Failed != 0 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	want := classicWithout("jarvis:PR3571-test", "jarvis:PR3571-test-arm")
	if diff := cmp.Diff(want, f.remaining()); diff != "" {
		t.Errorf("registry after the webhook sweep (-want +got):\n%s", diff)
	}
	if n := f.ado.Requests(3571); n != 1 {
		t.Errorf("PR 3571 read %d times, want once (the webhook is a hint)", n)
	}
	for _, id := range []int{3574, 3561, 3565, 3589} {
		if n := f.ado.Requests(id); n != 0 {
			t.Errorf("PR %d read %d times by a sweep for PR 3571", id, n)
		}
	}
	out := f.out.String()
	if !strings.Contains(out, "Deleted Images:\n  jarvis:PR3571-test\n  jarvis:PR3571-test-arm\n") || strings.Contains(out, "PR3574") {
		t.Errorf("report:\n%s", out)
	}
}

// The payload's status is not evidence: a pull request the source says is active
// loses nothing, whatever the webhook claimed.
func TestWebhookClaimIsReadAgain(t *testing.T) {
	f := newFixture(t, basicHook)
	f.ado.SetPR(3571, "active", time.Time{})
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("%d, want 202", status)
	}
	_, stop := f.start()
	f.next(server.Started)
	ev := f.next(server.Finished)
	if ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 0 || ev.Summary.Preserved != 2 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(classicWithout(), f.remaining()); diff != "" {
		t.Errorf("registry changed (-want +got):\n%s", diff)
	}
	if n := f.ado.Requests(3571); n != 1 {
		t.Errorf("PR 3571 read %d times, want once", n)
	}
	if out := f.out.String(); !strings.Contains(out, "jarvis:PR3571-test") || strings.Contains(out, "Deleted Images:\n  jarvis") {
		t.Errorf("report:\n%s", out)
	}
}

// A redelivery (same event id) is answered 200 and swept once.
func TestDuplicateDelivery(t *testing.T) {
	f := newFixture(t, basicHook)
	body := adoEvent("0f8fad5b-d9cb-469f-a165-70867728950e", 3571, "completed", "Jarvis")
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, body); status != http.StatusAccepted {
		t.Fatalf("first delivery %d, want 202", status)
	}
	if status, _, msg := post(t, f.hooks.URL, hookUser, hookPassword, body); status != http.StatusOK || msg != "already received\n" {
		t.Fatalf("redelivery %d %q, want 200", status, msg)
	}
	_, stop := f.start()
	f.next(server.Started)
	f.next(server.Finished)
	// Delivered again after its sweep ran: still a duplicate.
	url := f.hooks.URL
	if status, _, _ := post(t, url, hookUser, hookPassword, body); status != http.StatusOK {
		t.Errorf("late redelivery %d, want 200", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	if n := f.ado.Requests(3571); n != 1 {
		t.Errorf("PR 3571 read %d times, want once", n)
	}
	_, _, page := get(t, url+"/metrics")
	if got := metric(t, page, `prsweep_sweeps_total{outcome="ok",trigger="webhook"}`); got != 1 {
		t.Errorf("webhook sweeps %v, want 1", got)
	}
	if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="azuredevops",result="duplicate"}`); got != 2 {
		t.Errorf("duplicates %v, want 2", got)
	}
}

// A full queue refuses with 503 and Retry-After, and forgets the delivery so that
// its retry is taken; a pull request already waiting takes no second place.
func TestQueueFull(t *testing.T) {
	f := newFixture(t, basicHook+"  queue: 1\n")
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e1", 3571, "completed", "Jarvis")); status != http.StatusAccepted {
		t.Fatalf("first %d, want 202", status)
	}
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e2", 3571, "abandoned", "Jarvis")); status != http.StatusAccepted {
		t.Errorf("the same PR again %d, want 202 (folded into the waiting sweep)", status)
	}
	status, h, msg := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e3", 3574, "abandoned", "Jarvis"))
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || msg != "queue full\n" {
		t.Errorf("over capacity: %d %q (Retry-After %q), want 503 with Retry-After", status, msg, h.Get("Retry-After"))
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	if got := metric(t, page, `prsweep_queue_depth`); got != 1 {
		t.Errorf("queue depth %v, want 1", got)
	}
	if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="azuredevops",result="queue_full"}`); got != 1 {
		t.Errorf("queue_full %v, want 1", got)
	}
	_, stop := f.start()
	if ev := f.next(server.Started); ev.PR != "ado#3571" {
		t.Errorf("started %+v", ev)
	}
	f.next(server.Finished)
	// Room again: the refused delivery's retry is taken, not a duplicate.
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e3", 3574, "abandoned", "Jarvis")); status != http.StatusAccepted {
		t.Errorf("retry after a 503: %d, want 202", status)
	}
	if ev := f.next(server.Started); ev.PR != "ado#3574" {
		t.Errorf("started %+v", ev)
	}
	f.next(server.Finished)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(classicWithout(registrytest.ClassicDeleted()...), f.remaining()); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
}
