package sweep_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
	"github.com/prsweep/prsweep/internal/sweep"
)

// privateCA serves the fake at base over TLS with httptest's own certificate (a
// private CA, as GitHub Enterprise Server and self-managed GitLab often have), and
// writes that certificate to dir/ca.pem.
func privateCA(t *testing.T, base, dir string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL + strings.TrimPrefix(base, u.Scheme+"://"+u.Host)
}

// A source behind a private CA: without caFile every state is unknown (the
// certificate is refused) and nothing is deleted; with caFile (relative to the
// configuration's directory) the sweep reads the states and deletes the classic
// set's closed pull requests. For github, gitlab and azuredevops sources.
func TestSourceCAFile(t *testing.T) {
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		typ    string
		start  func(t *testing.T) (base, extra string)
		secret string
	}{
		{"github", func(t *testing.T) (string, string) {
			gh := scmtest.NewGitHub(t, ghToken)
			gh.SetPR("contoso/jarvis", 3571, "merged", closed)
			gh.SetPR("contoso/jarvis", 3574, "closed", closed)
			for _, n := range []int{3561, 3565, 3589} {
				gh.SetPR("contoso/jarvis", n, "open", time.Time{})
			}
			return gh.URL(), ""
		}, ghToken},
		{"gitlab", func(t *testing.T) (string, string) {
			gl := scmtest.NewGitLab(t, glSourceToken)
			gl.SetMR("contoso/jarvis", 3571, "merged", closed)
			gl.SetMR("contoso/jarvis", 3574, "closed", closed)
			for _, n := range []int{3561, 3565, 3589} {
				gl.SetMR("contoso/jarvis", n, "opened", time.Time{})
			}
			return gl.URL(), ""
		}, glSourceToken},
		{"azuredevops", func(t *testing.T) (string, string) {
			ado := scmtest.NewAzureDevOps(t, "contoso", "Jarvis", "ado-pat-sourceCA")
			ado.SetPR(3571, "completed", closed)
			ado.SetPR(3574, "abandoned", closed)
			for _, id := range []int{3561, 3565, 3589} {
				ado.SetPR(id, "active", time.Time{})
			}
			return ado.URL(), "\n    project: Jarvis"
		}, "ado-pat-sourceCA"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			srv := registrytest.StartV3(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			base, extra := tc.start(t)
			dir := t.TempDir()
			tlsURL := privateCA(t, base, dir)
			repo := ""
			if tc.typ != "azuredevops" {
				repo = ", repo: contoso/jarvis"
			}
			sweeper := func(caFile string) *sweep.Sweeper {
				yaml := fmt.Sprintf(`registry: {url: "http://%s"}
sources:
  - name: src
    type: %s
    url: %s
    token: ${SRC_TOKEN}%s%s
rules:
  - {tags: '^PR(?P<pr>\d+)-', source: src%s}
`, srv.Host(), tc.typ, tlsURL, extra, caFile, repo)
				cfg, err := config.Parse([]byte(yaml), dir, func(k string) (string, bool) { return tc.secret, k == "SRC_TOKEN" })
				if err != nil {
					t.Fatalf("config: %v\n%s", err, yaml)
				}
				s, err := sweep.New(cfg, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithAttempts(1)}})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}

			res, err := sweeper("").Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.PR == "" {
					continue
				}
				if it.State != scm.Unknown || !strings.Contains(it.Error, "certificate") {
					t.Errorf("without caFile: %s: %s %q, want unknown with the certificate error", it.Ref(), it.State, it.Error)
				}
				if it.Done {
					t.Errorf("without caFile: %s deleted", it.Ref())
				}
			}
			if d := cmp.Diff(slices.Sorted(slices.Values(append(registrytest.ClassicDeleted(), registrytest.ClassicPreserved()...))), remaining(t, srv.Host())); d != "" {
				t.Fatalf("without caFile the registry changed (-want +got):\n%s", d)
			}

			res, err = sweeper("\n    caFile: ca.pem").Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			deleted, _ := outcome(t, res.Items)
			if d := cmp.Diff(registrytest.ClassicDeleted(), deleted); d != "" {
				t.Errorf("with caFile, deleted (-want +got):\n%s", d)
			}
		})
	}
}
