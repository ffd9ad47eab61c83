package server

import (
	"strconv"
	"testing"

	"github.com/prsweep/prsweep/internal/scm"
)

func FuzzParseADO(f *testing.F) {
	f.Add([]byte(`{"id":"e","eventType":"git.pullrequest.updated","resource":{"pullRequestId":3571,"status":"completed","repository":{"project":{"name":"Jarvis"}}}}`))
	f.Add([]byte(`{"subscriptionId":"s","notificationId":7,"eventType":"git.pullrequest.updated","resource":{"pullRequestId":"12"}}`))
	f.Add([]byte(`{"eventType":"git.pullrequest.merged","resource":null}`))
	f.Add([]byte(`{"eventType":"git.pullrequest.updated","resource":{"pullRequestId":1e3}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := parseADO(body)
		if err != nil || h.event != adoEventUpdated {
			return
		}
		n, perr := strconv.ParseUint(h.number, 10, 63)
		if perr != nil || n == 0 || strconv.FormatUint(n, 10) != h.number {
			t.Fatalf("parsed pull request %q from %q", h.number, body)
		}
		refs := h.refs([]adoSource{{"ado", "Jarvis"}})
		for _, r := range refs {
			if r != (scm.Ref{Source: "ado", Number: h.number}) {
				t.Fatalf("ref %+v", r)
			}
		}
	})
}

func TestDeliveryKey(t *testing.T) {
	for body, want := range map[string]string{
		`{"id":"e1","subscriptionId":"s","notificationId":7,"eventType":"x"}`: "e1",
		`{"subscriptionId":"s","notificationId":7,"eventType":"x"}`:           "s/7",
		`{"eventType":"x"}`: "",
	} {
		if h, err := parseADO([]byte(body)); err != nil || h.delivery != want {
			t.Errorf("%s: delivery %q, %v; want %q", body, h.delivery, err, want)
		}
	}
}

func TestQueue(t *testing.T) {
	q := newQueue(2, 2)
	a, b, c := scm.Ref{Source: "ado", Number: "1"}, scm.Ref{Source: "ado", Number: "2"}, scm.Ref{Source: "ado", Number: "3"}
	steps := []struct {
		delivery string
		refs     []scm.Ref
		want     enqueued
	}{
		{"d1", []scm.Ref{a}, queued},
		{"d1", []scm.Ref{a}, duplicate},
		{"d2", []scm.Ref{a}, queued},  // folded into d1's job
		{"d3", []scm.Ref{b, c}, full}, // all or nothing
		{"d3", []scm.Ref{b}, queued},  // not recorded when refused
		{"d4", []scm.Ref{c}, full},
	}
	for i, s := range steps {
		if got := q.add(s.delivery, s.refs); got != s.want {
			t.Errorf("step %d: %v, want %v", i, got, s.want)
		}
	}
	if q.depth() != 2 {
		t.Errorf("depth %d, want 2", q.depth())
	}
	// Remembering two deliveries, the oldest (d1) is forgotten after d2 and d3.
	if !q.seen.has("d3") || !q.seen.has("d2") || q.seen.has("d1") {
		t.Errorf("remembered d1 %v, d2 %v, d3 %v", q.seen.has("d1"), q.seen.has("d2"), q.seen.has("d3"))
	}
	q.taken(<-q.ch)
	if got := q.add("d5", []scm.Ref{a}); got != queued {
		t.Errorf("the running PR again: %v, want queued", got)
	}
	left := q.close()
	if len(left) != 2 || left[0].ref != b || left[1].ref != a {
		t.Errorf("left %+v", left)
	}
	if got := q.add("d6", []scm.Ref{c}); got != stopping {
		t.Errorf("after close: %v, want stopping", got)
	}
}
