package sweep_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	ghcrOwner = "Contoso"
	ghcrToken = "ghp_fakeClassicToken0123456789abcdefABCD" // fake
)

// ghcrEnv is distribution v3 behind the GHCR fake, with a classic token that may
// read, write and delete packages.
type ghcrEnv struct {
	backend *registrytest.Server
	ghcr    *registrytest.GHCR
	caFile  string
	waits   *httpxtest.Sleeps
}

func newGHCREnv(t *testing.T) *ghcrEnv {
	t.Helper()
	backend := registrytest.StartV3(t)
	e := &ghcrEnv{backend: backend, ghcr: registrytest.StartGHCR(t, backend, ghcrOwner), waits: &httpxtest.Sleeps{}}
	e.ghcr.AddClassicToken(ghcrToken, "read:packages", "write:packages", "delete:packages")
	e.caFile = e.ghcr.WriteCAFile(t, t.TempDir())
	return e
}

// sweeper parses a type ghcr configuration for the fake, signing in with token.
func (e *ghcrEnv) sweeper(t *testing.T, token string, states map[string]string, extra string) *sweep.Sweeper {
	t.Helper()
	var b strings.Builder
	for n, s := range states {
		fmt.Fprintf(&b, "      %q: %s\n", n, s)
	}
	yaml := fmt.Sprintf(`registry:
  type: ghcr
  url: %s
  api: %s
  owner: %s
  token: %s
  caFile: %s
sources:
  - name: prs
    type: static
    states:
%srules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
%s`, e.ghcr.Host(), e.ghcr.APIURL(), ghcrOwner, token, e.caFile, b.String(), extra)
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s, err := sweep.New(cfg, sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep(e.waits.Sleep)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkClassic checks what a sweep of the classic set deleted, and what the
// registry (read from the backend) has left.
func (e *ghcrEnv) checkClassic(t *testing.T, items []outcomeItem) {
	t.Helper()
	var deleted []string
	for _, it := range items {
		if it.deleted {
			deleted = append(deleted, it.ref)
		}
	}
	slices.Sort(deleted)
	if diff := cmp.Diff(registrytest.ClassicDeleted(), deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(registrytest.ClassicPreserved(), remaining(t, e.backend.Host())); diff != "" {
		t.Errorf("registry after the sweep (-want +got):\n%s", diff)
	}
}

// The classic set on GHCR: PR3574-test shares its version with 5.32.0-develop, so it
// is moved to a throwaway version that is deleted; the release keeps its version.
func TestGHCRClassicSweep(t *testing.T) {
	e := newGHCREnv(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	s := e.sweeper(t, ghcrToken, classicStates(), "")
	before := remaining(t, e.backend.Host())
	var wouldDelete []string
	for _, it := range run(t, s, true) {
		if it.deleted {
			wouldDelete = append(wouldDelete, it.ref)
		}
	}
	slices.Sort(wouldDelete)
	if diff := cmp.Diff(registrytest.ClassicDeleted(), wouldDelete); diff != "" {
		t.Errorf("dry run would delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, remaining(t, e.backend.Host())); diff != "" {
		t.Fatalf("a dry run changed the registry (-before +after):\n%s", diff)
	}
	e.checkClassic(t, run(t, s, false))
	if n := e.ghcr.Count("PUT /v2/{repo}/manifests/{ref}"); n != 2 {
		t.Errorf("%d manifests put; want a throwaway for each of PR3574-test and PR3574-test-arm", n)
	}
	if n := e.ghcr.Count("DELETE /{kind}/{owner}/packages/container/{name}/versions/{id}"); n != 4 {
		t.Errorf("%d versions deleted; want 4 (2 PR images, 2 throwaways)", n)
	}
	for _, again := range run(t, s, false) {
		if again.deleted {
			t.Errorf("a second sweep deleted %s", again.ref)
		}
	}
}

// A token that may delete but not write cannot move PR3574-test off the release's
// version: the tag stays, failed, and 5.32.0-develop is never touched.
func TestGHCRSharedVersionWithoutWrite(t *testing.T) {
	e := newGHCREnv(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	e.ghcr.AddClassicToken("ghp_nowrite", "read:packages", "delete:packages")
	res, err := e.sweeper(t, "ghp_nowrite", classicStates(), "").Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		shared := it.Ref() == "jarvis:PR3574-test" || it.Ref() == "jarvis:PR3574-test-arm"
		switch {
		case shared && it.Done:
			t.Errorf("%s reported deleted", it.Ref())
		case shared && !it.Failed():
			t.Errorf("%s: %s %q; want failed (the throwaway cannot be pushed)", it.Ref(), it.Action, it.Reason)
		case shared:
			t.Logf("%s: %s", it.Ref(), it.Error)
		case !shared && it.Failed():
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
	}
	left := remaining(t, e.backend.Host())
	for _, ref := range []string{"jarvis:5.32.0-develop", "jarvis:5.32.0-develop-arm", "jarvis:PR3574-test", "jarvis:PR3574-test-arm"} {
		if !slices.Contains(left, ref) {
			t.Errorf("%s is gone", ref)
		}
	}
}

// Multi-arch indexes (their children are untagged versions), cosign signatures
// (sha256-<hex>.sig tags: versions like any other) and OCI referrers with their
// fallback tags, with untagged: delete: what a PR image held goes, what a kept tag
// needs stays, and every remaining tag pulls whole.
func TestGHCRGraphSweep(t *testing.T) {
	e := newGHCREnv(t)
	gone, stay := graphSet(t, e.backend)
	states := classicStates()
	for _, pr := range []string{"3600", "3575", "3610"} {
		states[pr] = "merged"
	}
	run(t, e.sweeper(t, ghcrToken, states, "untagged: delete\n"), false)
	for _, d := range gone {
		if exists(t, e.backend.Host(), d) {
			t.Errorf("%s is still in the registry", d)
		}
	}
	for _, d := range stay {
		if !exists(t, e.backend.Host(), d) {
			t.Errorf("%s was removed, but a kept tag needs it", d)
		}
	}
	pullEverything(t, e.backend.Host())
}

// An OCI 1.1 referrer pushed without a fallback tag (an untagged version whose
// manifest names its subject) goes with its deleted image; a kept image's stays.
// GHCR's versions and their manifests are the referrers listing.
func TestGHCRSubjectOnlyReferrers(t *testing.T) {
	e := newGHCREnv(t)
	digests := registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	prRef := e.pushSubjectOnly(t, digests["jarvis:PR3571-test"], "pr")
	keptRef := e.pushSubjectOnly(t, digests["jarvis:PR3561-test"], "kept")
	var deleted []string
	for _, it := range run(t, e.sweeper(t, ghcrToken, classicStates(), ""), false) {
		if it.deleted {
			deleted = append(deleted, it.ref)
		}
	}
	want := append(registrytest.ClassicDeleted(), "jarvis@"+prRef)
	slices.Sort(want)
	slices.Sort(deleted)
	if diff := cmp.Diff(want, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if exists(t, e.backend.Host(), prRef) {
		t.Error("the deleted image's referrer is still there")
	}
	if !exists(t, e.backend.Host(), keptRef) {
		t.Error("the kept image's referrer was removed")
	}
}

// pushSubjectOnly pushes, by digest only and through the fake's registry front (as
// a client that finds the OCI 1.1 referrers API would: no fallback tag), a small
// artifact whose subject is jarvis@subject, and returns its digest.
func (e *ghcrEnv) pushSubjectOnly(t *testing.T, subject, label string) string {
	t.Helper()
	subj, err := remote.Head(mustDigest(t, e.backend.Host()+"/jarvis@"+subject))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{Architecture: "unknown", OS: "unknown",
		Config: v1.Config{Labels: map[string]string{"l": label}}, RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.Subject(mutate.MediaType(mutate.ConfigMediaType(cfg, "application/vnd.example.sbom"), types.OCIManifestSchema1), *subj).(v1.Image)
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := name.NewRepository(e.backend.Host()+"/jarvis", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteLayer(repo, static.NewLayer(rawCfg, "application/vnd.example.sbom")); err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	e.put(t, "jarvis", d.String(), raw, string(types.OCIManifestSchema1))
	return d.String()
}

// put uploads a manifest through the fake's registry front as a plain client does:
// a registry token for push, then PUT.
func (e *ghcrEnv) put(t *testing.T, repo, ref string, raw []byte, mediaType string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.ghcr.CertPEM())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	scope := "repository:" + strings.ToLower(ghcrOwner) + "/" + repo + ":pull,push"
	req, _ := http.NewRequest(http.MethodGet, "https://"+e.ghcr.Host()+"/token?service=ghcr.io&scope="+url.QueryEscape(scope), nil)
	req.SetBasicAuth(ghcrOwner, ghcrToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPut, "https://"+e.ghcr.Host()+"/v2/"+strings.ToLower(ghcrOwner)+"/"+repo+"/manifests/"+ref, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", mediaType)
	if resp, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s:%s: HTTP %d", repo, ref, resp.StatusCode)
	}
}

// A sweep whose API requests are rate-limited every few requests (429, secondary
// and primary limits) ends as an unlimited one does, having waited as asked.
func TestGHCRRateLimitedSweep(t *testing.T) {
	for _, kind := range []registrytest.GHCRLimit{registrytest.GHCR429, registrytest.GHCRSecondary, registrytest.GHCRPrimary} {
		t.Run(string(kind), func(t *testing.T) {
			e := newGHCREnv(t)
			registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
			e.ghcr.RateLimitEvery(4, kind)
			e.checkClassic(t, run(t, e.sweeper(t, ghcrToken, classicStates(), ""), false))
			if e.ghcr.Limited() == 0 || len(e.waits.Waits()) < e.ghcr.Limited() {
				t.Errorf("%d requests rate-limited, %d waits", e.ghcr.Limited(), len(e.waits.Waits()))
			}
		})
	}
}

// validate reads a classic token's scopes.
func TestGHCRValidate(t *testing.T) {
	e := newGHCREnv(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	e.ghcr.AddClassicToken("ghp_readonly", "read:packages")
	for token, wantErr := range map[string]bool{ghcrToken: false, "ghp_readonly": true} {
		var failed []string
		for _, c := range e.sweeper(t, token, classicStates(), "").Validate(context.Background()) {
			if c.Err != nil {
				failed = append(failed, c.Name+": "+c.Err.Error())
			}
		}
		if (len(failed) > 0) != wantErr || (wantErr && !strings.Contains(strings.Join(failed, "\n"), "delete:packages")) {
			t.Errorf("validate with %s: %v", token, failed)
		}
	}
}
