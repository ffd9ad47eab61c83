package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/server"
)

const (
	glKey   = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	glEvent = "Merge Request Hook"
)

// A merge hook with the token queues one sweep scoped to that merge request;
// its retry (same Idempotency-Key) is swept once.
func TestGitLabMergeSweepsThatMergeRequest(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	body := payload(t, "gitlab-merge_request-merge.json", nil)
	status, _, msg := postGitLab(t, f.hooks.URL, glEvent, glToken, glKey, body)
	if status != http.StatusAccepted || msg != "sweep queued for offline#3571\n" {
		t.Fatalf("%d %q, want 202", status, msg)
	}
	if status, _, msg := postGitLab(t, f.hooks.URL, glEvent, glToken, glKey, body); status != http.StatusOK || msg != "already received\n" {
		t.Errorf("retry: %d %q, want 200 already received", status, msg)
	}
	// Without Idempotency-Key (before GitLab 17.4), X-Gitlab-Event-UUID is the key.
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, f.hooks.URL+"/webhooks/gitlab", strings.NewReader(body))
		req.Header.Set("X-Gitlab-Event", glEvent)
		req.Header.Set("X-Gitlab-Token", glToken)
		req.Header.Set("X-Gitlab-Event-UUID", "8b2f6c1e-0d3a-4e5f-9a7b-2c4d6e8f0a1b")
		do(t, req)
	}
	_, stop := f.start()
	if ev := f.next(server.Started); ev.Trigger != server.TriggerWebhook || ev.PR != "offline#3571" {
		t.Errorf("started %+v", ev)
	}
	if ev := f.next(server.Finished); ev.Outcome != server.OutcomeOK || ev.Summary == nil || ev.Summary.Deleted != 2 {
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
	_, _, page := get(t, f.hooks.URL+"/metrics")
	// The UUID-keyed delivery folded into the waiting sweep (202), its repeat a duplicate.
	for result, want := range map[string]float64{"accepted": 2, "duplicate": 2} {
		if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="gitlab",result="`+result+`"}`); got != want {
			t.Errorf("gitlab %s: %v, want %v", result, got, want)
		}
	}
}

// Without the token, once and exactly, nothing is queued and the answer is 401.
func TestGitLabToken(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	body := payload(t, "gitlab-merge_request-merge.json", nil)
	for _, tt := range []struct {
		name   string
		values []string
	}{
		{"none", nil},
		{"wrong", []string{glToken + "x"}},
		{"prefix", []string{glToken[:len(glToken)-1]}},
		{"empty", []string{""}},
		{"twice", []string{glToken, glToken}},
		{"github's secret", []string{ghSecret}},
	} {
		req, _ := http.NewRequest(http.MethodPost, f.hooks.URL+"/webhooks/gitlab", strings.NewReader(body))
		req.Header.Set("X-Gitlab-Event", glEvent)
		for _, v := range tt.values {
			req.Header.Add("X-Gitlab-Token", v)
		}
		if status, _, msg := do(t, req); status != http.StatusUnauthorized || msg != "unauthorized\n" {
			t.Errorf("%s: %d %q, want 401", tt.name, status, msg)
		}
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	if got := metric(t, page, `prsweep_queue_depth`); got != 0 {
		t.Errorf("refused deliveries queued %v sweeps", got)
	}
	if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="gitlab",result="unauthorized"}`); got != 6 {
		t.Errorf("unauthorized %v, want 6", got)
	}
}

// Only merge and close (with the matching state) queue a sweep; the rest is
// ignored with a reason, or refused when unreadable or too large.
func TestGitLabPayloads(t *testing.T) {
	f := newForgeFixture(t, forgeHooks)
	mr := func(edits map[string]any) string { return payload(t, "gitlab-merge_request-merge.json", edits) }
	tests := []struct {
		name, event, body string
		want              int
		reason            string
	}{
		{"push hook", "Push Hook", `{"object_kind":"push"}`, http.StatusNoContent, "not a Merge Request Hook"},
		{"system hook", "System Hook", mr(nil), http.StatusNoContent, "not a Merge Request Hook"},
		{"open", glEvent, mr(map[string]any{"object_attributes.action": "open", "object_attributes.state": "opened"}), http.StatusNoContent, "neither merged nor closed"},
		{"update", glEvent, mr(map[string]any{"object_attributes.action": "update", "object_attributes.state": "opened"}), http.StatusNoContent, "neither merged nor closed"},
		{"reopen", glEvent, mr(map[string]any{"object_attributes.action": "reopen", "object_attributes.state": "opened"}), http.StatusNoContent, "neither merged nor closed"},
		{"approved", glEvent, mr(map[string]any{"object_attributes.action": "approved", "object_attributes.state": "opened"}), http.StatusNoContent, "neither merged nor closed"},
		{"merge, state opened", glEvent, mr(map[string]any{"object_attributes.state": "opened"}), http.StatusNoContent, "neither merged nor closed"},
		{"close", glEvent, mr(map[string]any{"object_attributes.action": "close", "object_attributes.state": "closed", "object_attributes.iid": 3574}), http.StatusAccepted, ""},
		{"not JSON", glEvent, `object_kind=merge_request`, http.StatusBadRequest, ""},
		{"other kind", glEvent, mr(map[string]any{"object_kind": "issue"}), http.StatusBadRequest, ""},
		{"iid zero", glEvent, mr(map[string]any{"object_attributes.iid": 0}), http.StatusBadRequest, ""},
		{"iid text", glEvent, mr(map[string]any{"object_attributes.iid": "!3571"}), http.StatusBadRequest, ""},
		{"no project", glEvent, mr(map[string]any{"project": nil}), http.StatusBadRequest, ""},
		{"project path", glEvent, mr(map[string]any{"project.path_with_namespace": "jarvis"}), http.StatusBadRequest, ""},
		{"too large", glEvent, `{"object_kind":"merge_request","pad":"` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, ""},
	}
	for i, tt := range tests {
		status, h, msg := postGitLab(t, f.hooks.URL, tt.event, glToken, glKey+string(rune('a'+i)), tt.body)
		if status != tt.want {
			t.Errorf("%s: %d %q, want %d", tt.name, status, msg, tt.want)
		}
		if status == http.StatusNoContent && h.Get("X-Prsweep-Ignored") != tt.reason {
			t.Errorf("%s: reason %q, want %q", tt.name, h.Get("X-Prsweep-Ignored"), tt.reason)
		}
	}
	_, _, page := get(t, f.hooks.URL+"/metrics")
	for result, want := range map[string]float64{"ignored": 7, "accepted": 1, "malformed": 6, "too_large": 1} {
		if got := metric(t, page, `prsweep_webhook_requests_total{endpoint="gitlab",result="`+result+`"}`); got != want {
			t.Errorf("gitlab %s: %v, want %v", result, got, want)
		}
	}
}
