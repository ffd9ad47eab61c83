package github_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
)

func TestSecondaryLimitWaitsRetryAfterAndHoldsOthers(t *testing.T) {
	lim := httpx.NewLimiter(httpx.Limits{Concurrency: 4})
	e := newEnv(t, nil, github.WithLimiter(lim))
	e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
	e.fake.SetPR("contoso/app", 2, "open", time.Time{})
	e.fake.SecondaryLimit(1, 30*time.Second)

	st, err := e.client.State(ctx(t), ref("contoso/app", "1"))
	if err != nil || st.State != scm.Merged {
		t.Fatalf("State: %+v, %v", st, err)
	}
	if w := e.waits.Waits(); !slices.Equal(w, []time.Duration{30 * time.Second}) {
		t.Errorf("waits %v, want [30s]", w)
	}
	if n := lim.Stats().TooMany(); n != 1 {
		t.Errorf("the limiter counted %d throttled answers, want 1", n)
	}
	// The clock has not moved: the limit still holds the next request, which
	// waits it out before it is sent, once.
	if st, err := e.client.State(ctx(t), ref("contoso/app", "2")); err != nil || st.State != scm.Open {
		t.Fatalf("State: %+v, %v", st, err)
	}
	if n := e.fake.PullReads("contoso/app", 2); n != 1 {
		t.Errorf("the held request reached GitHub %d times, want 1", n)
	}
	if w := e.waits.Waits(); len(w) != 2 || w[1] != 30*time.Second {
		t.Errorf("waits %v, want [30s 30s]", w)
	}
}

func TestSecondaryLimitWithoutRetryAfterWaitsLongerEachTime(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "merged", time.Time{})
	e.fake.SecondaryLimit(2, -1) // the message alone says it
	st, err := e.client.State(ctx(t), ref("contoso/app", "1"))
	if err != nil || st.State != scm.Merged {
		t.Fatalf("State: %+v, %v", st, err)
	}
	if w := e.waits.Waits(); !slices.Equal(w, []time.Duration{time.Minute, 2 * time.Minute}) {
		t.Errorf("waits %v, want [1m 2m]", w)
	}
}

func TestPrimaryLimitWaitsForTheReset(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "closed", time.Time{})
	e.fake.PrimaryLimit("core", 1)
	// The fake resets its limits an hour after it starts; the client's clock is
	// 30 seconds before that.
	c := e.newClient(t, github.Auth{Token: testToken}, github.WithClock(func() time.Time {
		return e.clock.Now().Add(time.Hour - 30*time.Second)
	}))
	st, err := c.State(ctx(t), ref("contoso/app", "1"))
	if err != nil || st.State != scm.Closed {
		t.Fatalf("State: %+v, %v", st, err)
	}
	if w := e.waits.Waits(); !slices.Equal(w, []time.Duration{31 * time.Second}) {
		t.Errorf("waits %v, want [31s] (until the reset, and a second)", w)
	}
}

func TestPrimaryLimitBeyondTheCapStopsSending(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetPR("contoso/app", 1, "closed", time.Time{})
	e.fake.SetPR("contoso/app", 2, "closed", time.Time{})
	e.fake.PrimaryLimit("core", 1) // resets in an hour: beyond the retry layer's 2 minutes
	st, err := e.client.State(ctx(t), ref("contoso/app", "1"))
	if st.State != scm.Unknown || err == nil || errors.Is(err, scm.ErrNotFound) || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("State: %+v, %v; want unknown, rate limited", st, err)
	}
	st, err = e.client.State(ctx(t), ref("contoso/app", "2"))
	if st.State != scm.Unknown || err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("State: %+v, %v; want unknown, rate limited", st, err)
	}
	if n := e.fake.PullReads("contoso/app", 2); n != 0 {
		t.Errorf("%d requests sent while the limit was spent, want 0", n)
	}
	if w := e.waits.Waits(); len(w) != 0 {
		t.Errorf("waits %v, want none: the reset is beyond the cap", w)
	}
	// The GraphQL limit is another resource: batches go on.
	if got := e.client.States(ctx(t), []scm.Ref{ref("contoso/app", "2")}); got[ref("contoso/app", "2")].State != scm.Closed {
		t.Errorf("States: %+v", got)
	}
}
