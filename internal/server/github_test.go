package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/server"
)

const ghDelivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"

// A signed "closed" delivery queues one sweep scoped to that pull request: it
// deletes that pull request's tags alone (3574, closed too, waits for the
// schedule), and a redelivery (same X-GitHub-Delivery) is swept once.
func TestGitHubClosedSweepsThatPullRequest(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	body := payload(t, "github-pull_request-closed.json", nil)
	status, _, msg := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, signature(ghSecret, body), body)
	if status != http.StatusAccepted || msg != "sweep queued for offline#3571\n" {
		t.Fatalf("%d %q, want 202", status, msg)
	}
	if status, _, msg := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, signature(ghSecret, body), body); status != http.StatusOK || msg != "already received\n" {
		t.Errorf("redelivery: %d %q, want 200 already received", status, msg)
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	if got := metric(t, page, `prsweep_queue_depth`); got != 1 {
		t.Errorf("queue depth %v, want 1", got)
	}
	_, stop := f.start()
	if ev := f.next(server.Started); ev.Trigger != server.TriggerWebhook || ev.PR != "offline#3571" {
		t.Errorf("started %+v", ev)
	}
	ev := f.next(server.Finished)
	if ev.Outcome != server.OutcomeOK || ev.Summary == nil || ev.Summary.Deleted != 2 || ev.Summary.Failed != 0 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	// Redelivered after its sweep ran: still a duplicate.
	if status, _, _ := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, signature(ghSecret, body), body); status != http.StatusOK {
		t.Errorf("late redelivery: %d, want 200", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.noMoreEvents()
	want := classicWithout("jarvis:PR3571-test", "jarvis:PR3571-test-arm")
	if diff := cmp.Diff(want, f.remaining()); diff != "" {
		t.Errorf("registry after the webhook sweep (-want +got):\n%s", diff)
	}
	_, _, page = get(t, f.hooks.URL+"/metrics")
	for result, want := range map[string]float64{"accepted": 1, "duplicate": 2, "unauthorized": 0} {
		if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="github",result="`+result+`"}`); got != want {
			t.Errorf("github %s: %v, want %v", result, got, want)
		}
	}
}

// The payload is a hint: a pull request the source says is open loses nothing,
// whatever the delivery claims.
func TestGitHubClaimIsReadAgain(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	body := payload(t, "github-pull_request-closed.json", map[string]any{"number": 3561, "pull_request.number": 3561})
	if status, _, msg := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, signature(ghSecret, body), body); status != http.StatusAccepted {
		t.Fatalf("%d %q, want 202", status, msg)
	}
	_, stop := f.start()
	f.next(server.Started)
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary.Deleted != 0 || ev.Summary.Preserved != 2 {
		t.Errorf("finished %+v %+v", ev, ev.Summary)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(classicWithout(), f.remaining()); diff != "" {
		t.Errorf("registry changed (-want +got):\n%s", diff)
	}
}

// Without the right signature nothing is queued and the answer is 401, whatever
// is wrong: no header, the SHA-1 header alone, another secret, a signature of
// another body, a malformed one, two of them.
func TestGitHubSignature(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	body := payload(t, "github-pull_request-closed.json", nil)
	good := signature(ghSecret, body)
	for _, tt := range []struct {
		name string
		set  func(h http.Header)
	}{
		{"none", func(h http.Header) {}},
		{"sha1 only", func(h http.Header) { h.Set("X-Hub-Signature", "sha1="+strings.Repeat("0", 40)) }},
		{"other secret", func(h http.Header) { h.Set("X-Hub-Signature-256", signature(ghSecret+"x", body)) }},
		{"other body", func(h http.Header) { h.Set("X-Hub-Signature-256", signature(ghSecret, body+" ")) }},
		{"no prefix", func(h http.Header) { h.Set("X-Hub-Signature-256", strings.TrimPrefix(good, "sha256=")) }},
		{"sha1 prefix", func(h http.Header) { h.Set("X-Hub-Signature-256", "sha1="+strings.TrimPrefix(good, "sha256=")) }},
		{"truncated", func(h http.Header) { h.Set("X-Hub-Signature-256", good[:len(good)-2]) }},
		{"not hex", func(h http.Header) { h.Set("X-Hub-Signature-256", good[:len(good)-1]+"z") }},
		{"empty", func(h http.Header) { h.Set("X-Hub-Signature-256", "") }},
		{"twice", func(h http.Header) { h.Add("X-Hub-Signature-256", good); h.Add("X-Hub-Signature-256", good) }},
	} {
		req, _ := http.NewRequest(http.MethodPost, f.hooks.URL+"/webhooks/github", strings.NewReader(body))
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", ghDelivery)
		tt.set(req.Header)
		if status, _, msg := do(t, req); status != http.StatusUnauthorized || msg != "unauthorized\n" {
			t.Errorf("%s: %d %q, want 401", tt.name, status, msg)
		}
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	if got := metric(t, page, `prsweep_queue_depth`); got != 0 {
		t.Errorf("refused deliveries queued %v sweeps", got)
	}
	if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="github",result="unauthorized"}`); got != 10 {
		t.Errorf("unauthorized %v, want 10", got)
	}
	// A refused delivery was not recorded: the same delivery, signed, is taken.
	if status, _, _ := postGitHub(t, f.hooks.URL, "pull_request", ghDelivery, good, body); status != http.StatusAccepted {
		t.Errorf("signed: %d, want 202", status)
	}
}

// Pings are answered; other events and actions are ignored with a reason;
// unreadable closed events are refused; an oversized body is refused before
// anything else is read.
func TestGitHubPayloads(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	closed := func(edits map[string]any) string { return payload(t, "github-pull_request-closed.json", edits) }
	big := `{"action":"closed","pad":"` + strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name, event, body string
		want              int
		result            string
	}{
		{"ping", "ping", payload(t, "github-ping.json", nil), http.StatusOK, "pong\n"},
		{"push", "push", `{"ref":"refs/heads/main"}`, http.StatusNoContent, "not a pull_request event"},
		{"no event", "", closed(nil), http.StatusNoContent, "not a pull_request event"},
		{"opened", "pull_request", closed(map[string]any{"action": "opened"}), http.StatusNoContent, "action is not closed"},
		{"reopened", "pull_request", closed(map[string]any{"action": "reopened"}), http.StatusNoContent, "action is not closed"},
		{"synchronize", "pull_request", closed(map[string]any{"action": "synchronize"}), http.StatusNoContent, "action is not closed"},
		{"other repository", "pull_request", closed(map[string]any{"repository.full_name": "octo-org/other"}), http.StatusAccepted, ""},
		{"not JSON", "pull_request", `action=closed`, http.StatusBadRequest, ""},
		{"no action", "pull_request", `{"number": 3571}`, http.StatusBadRequest, ""},
		{"number zero", "pull_request", closed(map[string]any{"number": 0, "pull_request.number": 0}), http.StatusBadRequest, ""},
		{"number text", "pull_request", closed(map[string]any{"number": "PR3571"}), http.StatusBadRequest, ""},
		{"numbers differ", "pull_request", closed(map[string]any{"number": 3574}), http.StatusBadRequest, ""},
		{"no repository", "pull_request", closed(map[string]any{"repository": nil}), http.StatusBadRequest, ""},
		{"repository path", "pull_request", closed(map[string]any{"repository.full_name": "../etc/passwd"}), http.StatusBadRequest, ""},
		{"too large", "pull_request", big, http.StatusRequestEntityTooLarge, ""},
	}
	for i, tt := range tests {
		delivery := ghDelivery[:len(ghDelivery)-2] + string(rune('a'+i/10)) + string(rune('0'+i%10))
		status, h, msg := postGitHub(t, f.hooks.URL, tt.event, delivery, signature(ghSecret, tt.body), tt.body)
		if status != tt.want {
			t.Errorf("%s: %d %q, want %d", tt.name, status, msg, tt.want)
		}
		switch {
		case status == http.StatusNoContent && h.Get("X-Prsweep-Ignored") != tt.result:
			t.Errorf("%s: reason %q, want %q", tt.name, h.Get("X-Prsweep-Ignored"), tt.result)
		case status == http.StatusOK && msg != tt.result:
			t.Errorf("%s: %q, want %q", tt.name, msg, tt.result)
		}
	}
	// Content type application/x-www-form-urlencoded: the JSON is the payload
	// field, the signature is of the raw body.
	form := "payload=" + url.QueryEscape(closed(map[string]any{"number": 3574, "pull_request.number": 3574}))
	req, _ := http.NewRequest(http.MethodPost, f.hooks.URL+"/webhooks/github", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-Hub-Signature-256", signature(ghSecret, form))
	if status, _, msg := do(t, req); status != http.StatusAccepted || msg != "sweep queued for offline#3574\n" {
		t.Errorf("form: %d %q, want 202", status, msg)
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	for result, want := range map[string]float64{"ping": 1, "ignored": 5, "malformed": 7, "too_large": 1, "accepted": 2} {
		if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="github",result="`+result+`"}`); got != want {
			t.Errorf("github %s: %v, want %v", result, got, want)
		}
	}
	// Only the endpoints configured are served.
	if status, h, _ := get(t, f.hooks.URL+"/webhooks/github"); status != http.StatusMethodNotAllowed || h.Get("Allow") == "" {
		t.Errorf("GET: %d, want 405", status)
	}
	if status, _, _ := post(t, f.hooks.URL, hookUser, hookPassword, adoEvent("e", 3571, "completed", "Jarvis")); status != http.StatusNotFound {
		t.Errorf("azuredevops, not configured: %d, want 404", status)
	}
}
