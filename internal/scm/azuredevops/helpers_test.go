package azuredevops_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

const (
	org     = "contoso"
	project = "Jarvis Web" // a space: the client must path-escape it
	pat     = "x7kq2mzv4n6rt8wyb3cf5hj9pd2lg6sa4ek7u3qz8tn5ry2vxm4a"
)

var readAt = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// jwt builds a token shaped like a pipeline's System.AccessToken.
func jwt() string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS256","x5t":"oOvcz5M_7p-HjIKlFXz93u_V0Zo"}`)) + "." +
		enc([]byte(`{"nameid":"c6b0d2a6","scp":"app_token","iss":"app.vstoken.visualstudio.com","aud":"app.vstoken.visualstudio.com","nbf":1735689600,"exp":1735693200}`)) + "." +
		enc([]byte("\x8f\x01\x9a signature bytes \xfe"))
}

type harness struct {
	fake   *scmtest.AzureDevOps
	client *azuredevops.Client
	sleeps *httpxtest.Sleeps
	logs   *httpxtest.Buffer
	token  string
}

// newHarness starts a fake that accepts token and a client that sends
// clientToken (token when empty), with deterministic retries and debug logs.
func newHarness(t *testing.T, token, clientToken string, opts ...azuredevops.Option) *harness {
	t.Helper()
	if clientToken == "" {
		clientToken = token
	}
	h := &harness{fake: scmtest.NewAzureDevOps(t, org, project, token), sleeps: &httpxtest.Sleeps{}, logs: &httpxtest.Buffer{}, token: clientToken}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []azuredevops.Option{
		azuredevops.WithLogger(log),
		azuredevops.WithClock(func() time.Time { return readAt }),
		azuredevops.WithRetry(httpx.WithSleep(h.sleeps.Sleep), httpx.WithRand(func(n int64) int64 { return n - 1 })),
	}
	c, err := azuredevops.New(h.fake.URL(), project, clientToken, append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.client = c
	return h
}

func (h *harness) state(t *testing.T, number string) (scm.Status, error) {
	t.Helper()
	return h.client.State(context.Background(), scm.Ref{Source: "ado", Number: number})
}

// assertNoSecret fails when the token, or the Basic value built from it,
// appears in any of texts.
func assertNoSecret(t *testing.T, token string, texts ...string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(":" + token))
	for _, s := range texts {
		if strings.Contains(s, token) || strings.Contains(s, basic) {
			t.Errorf("credential leaked into %q", s)
		}
	}
}
