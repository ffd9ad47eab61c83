package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

const testToken = "ghp_0123456789abcdefghijABCDEFGHIJ012345" // fake

// clock is a settable clock for the client and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a fake and a client of it whose retries wait for nothing.
type env struct {
	fake   *scmtest.GitHub
	client *github.Client
	waits  *httpxtest.Sleeps
	clock  *clock
}

func newEnv(t *testing.T, fakeOpts []scmtest.GitHubOption, opts ...github.Option) *env {
	t.Helper()
	e := &env{waits: &httpxtest.Sleeps{}, clock: newClock()}
	e.fake = scmtest.NewGitHub(t, testToken, append([]scmtest.GitHubOption{scmtest.GitHubClock(e.clock.Now)}, fakeOpts...)...)
	e.client = e.newClient(t, github.Auth{Token: testToken}, opts...)
	return e
}

func (e *env) newClient(t *testing.T, auth github.Auth, opts ...github.Option) *github.Client {
	t.Helper()
	opts = append([]github.Option{github.WithClock(e.clock.Now), github.WithRetry(httpx.WithSleep(e.waits.Sleep), httpx.WithClock(e.clock.Now))}, opts...)
	c, err := github.New(e.fake.URL(), auth, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ref(repo, n string) scm.Ref { return scm.Ref{Source: "gh", Repo: repo, Number: n} }

func ctx(t *testing.T) context.Context { return t.Context() }

// rsaKey returns a fresh key and its PKCS#1 PEM, as GitHub hands out app keys.
func rsaKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}
