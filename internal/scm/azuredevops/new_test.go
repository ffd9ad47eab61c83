package azuredevops_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name, baseURL, project, token string
		opts                          []azuredevops.Option
	}{
		{"empty URL", "", "p", pat, nil},
		{"no scheme", "dev.azure.com/contoso", "p", pat, nil},
		{"ftp", "ftp://dev.azure.com/contoso", "p", pat, nil},
		{"credentials in the URL", "https://me:hunter2@dev.azure.com/contoso", "p", pat, nil},
		{"query", "https://dev.azure.com/contoso?api-version=7.1", "p", pat, nil},
		{"no project", "https://dev.azure.com/contoso", " ", pat, nil},
		{"no token", "https://dev.azure.com/contoso", "p", "  ", nil},
		{"token with a newline inside", "https://dev.azure.com/contoso", "p", "abc\ndef", nil},
		{"nil client", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithHTTPClient(nil)}},
		{"nil transport", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithTransport(nil)}},
		{"unknown token type", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithTokenType(7)}},
		{"nil logger", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithLogger(nil)}},
		{"nil clock", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithClock(nil)}},
		{"zero timeout", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithAttemptTimeout(0)}},
		{"empty user agent", "https://dev.azure.com/contoso", "p", pat, []azuredevops.Option{azuredevops.WithUserAgent("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := azuredevops.New(tt.baseURL, tt.project, tt.token, tt.opts...)
			if err == nil {
				t.Fatalf("New = %v, want an error", c)
			}
			if !strings.HasPrefix(err.Error(), "creating azure devops client: ") {
				t.Errorf("error %q does not say what failed", err)
			}
			for _, secret := range []string{"hunter2", pat} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret: %v", err)
				}
			}
		})
	}
}

func TestNewAcceptsURLShapes(t *testing.T) {
	tests := []struct{ name, org, suffix string }{
		{"cloud org", "contoso", ""},
		{"trailing slash", "contoso", "/"},
		{"on-prem collection", "tfs/DefaultCollection", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := scmtest.NewAzureDevOps(t, tt.org, project, pat)
			f.SetPR(7, "abandoned", time.Now())
			c, err := azuredevops.New(f.URL()+tt.suffix, project, " "+pat+"\n") // tokens from files end in newlines
			if err != nil {
				t.Fatal(err)
			}
			st, err := c.State(t.Context(), scm.Ref{Source: "ado", Number: "7"})
			if err != nil || st.State != scm.Closed {
				t.Fatalf("State = %+v, %v", st, err)
			}
			for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
				assertNoSecret(t, pat, s)
			}
		})
	}
}

// countingTransport counts the attempts that reach the bottom of the stack.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

func TestCallerTransportSitsUnderTheLayers(t *testing.T) {
	tests := []struct {
		name string
		opt  func(rt http.RoundTripper) azuredevops.Option
	}{
		{"WithTransport", azuredevops.WithTransport},
		{"WithHTTPClient", func(rt http.RoundTripper) azuredevops.Option {
			return azuredevops.WithHTTPClient(&http.Client{Transport: rt})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := &countingTransport{}
			h := newHarness(t, pat, "", tt.opt(ct))
			h.fake.SetPR(42, "active", time.Time{})
			h.fake.ServerError(42, 503, 1)
			st, err := h.state(t, "42")
			if err != nil || st.State != scm.Open {
				t.Fatalf("State = %+v, %v", st, err)
			}
			if got := ct.n.Load(); got != 2 {
				t.Errorf("caller's transport saw %d attempts, want 2 (retried above it)", got)
			}
		})
	}
}

func TestEachCallIsOneLookup(t *testing.T) {
	h := newHarness(t, pat, "")
	for id := range 3 {
		h.fake.SetPR(id+1, "completed", time.Now())
	}
	for id := range 3 {
		if _, err := h.state(t, fmt.Sprint(id+1)); err != nil {
			t.Fatal(err)
		}
	}
	for id := range 3 {
		if n := h.fake.Requests(id + 1); n != 1 {
			t.Errorf("PR %d asked %d times, want 1", id+1, n)
		}
	}
	if _, err := h.state(t, "9"); !errors.Is(err, scm.ErrNotFound) {
		t.Errorf("PR 9: %v, want ErrNotFound", err)
	}
}
