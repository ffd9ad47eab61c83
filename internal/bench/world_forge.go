package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

// The forges' registries: each fake in front of distribution v3, with the same
// forge's pull requests as the source.
const (
	RegistryGHCR   = "ghcr"   // the GHCR fake (Packages API + OCI), the GitHub fake as source
	RegistryGitLab = "gitlab" // the GitLab registry fake, the GitLab merge-request fake as source
)

// What the forge worlds are configured with: one token for registry and source,
// as GITHUB_TOKEN and a GitLab project token are used.
const (
	forgeToken    = "bench-forge-token"
	ghcrOwner     = "bench-org"
	ghCodeRepo    = "contoso/app" // every image's pull requests: one code repository
	gitLabProject = "bench/app"   // the project holding the images and the merge requests
)

func isForge(registry string) bool { return registry == RegistryGHCR || registry == RegistryGitLab }

// forgeAlgorithms drops the original script from a forge's run (it speaks only
// the OCI API and Azure DevOps): prsweep runs alone.
func forgeAlgorithms(registry string, algs []string) []string {
	if !isForge(registry) {
		return algs
	}
	return []string{AlgoPrsweep}
}

// forgeWorld is what a forge's job is configured with, beyond world's.
type forgeWorld struct {
	regURL, apiURL string // the registry and its API, as prsweep reaches them
	caPEM          []byte // the fakes' certificate
}

// startForge starts o.Registry's fake in front of a seeded distribution v3, and
// its source, each behind its meter. GitLab's repositories live under the
// project's path; the reader strips it, so the data set's names stay as they are.
func (w *world) startForge(ctx context.Context, o Options, ds *Dataset) error {
	backend, err := registrytest.NewV3(ctx)
	if err != nil {
		return err
	}
	w.closers = append(w.closers, func() { _ = backend.Close() })
	prefix := ""
	if o.Registry == RegistryGitLab {
		prefix = gitLabProject + "/"
	}
	if err := seedHTTP(ctx, backend.URL(), prefixed(ds, prefix)); err != nil {
		return err
	}
	w.reader = prefixReader{httpReader{base: backend.URL(), c: newClient(seedConcurrency)}, prefix}
	w.registry.classify, w.source.classify = forgeRegistryKind, forgeSourceKind
	f := &forgeWorld{}
	w.forge = f
	closed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if o.Registry == RegistryGHCR {
		g := registrytest.NewGHCR(backend, ghcrOwner, w.fail,
			registrytest.WithGHCRWrap(func(_ string, h http.Handler) http.Handler { return w.registry.Wrap(h) }))
		w.closers = append(w.closers, g.Close)
		g.AddClassicToken(forgeToken, "read:packages", "write:packages", "delete:packages")
		w.regHost, f.regURL, f.apiURL, f.caPEM = g.Host(), g.Host(), g.APIURL(), g.CertPEM()
		gh := scmtest.ServeGitHub(w.fail, forgeToken)
		w.closers = append(w.closers, gh.Close)
		gh.AddRepo(ghCodeRepo)
		for pr, s := range ds.PRs {
			if st, ok := map[State]string{Open: "open", Merged: "merged", Closed: "closed"}[s]; ok {
				gh.SetPR(ghCodeRepo, pr, st, closed)
			}
		}
		w.srcURL = "http://" + w.serve(w.source.Wrap(reverseProxy(gh.URL())))
		return nil
	}
	g := registrytest.NewGitLab(backend, w.fail)
	w.closers = append(w.closers, g.Close)
	g.AddProject(gitLabProject)
	g.AddToken(forgeToken, registrytest.GitLabDeveloper())
	f.caPEM = g.CertPEM()
	// The fake has no wrap option: both its servers sit behind metering proxies
	// that rewrite its URLs (the token realm, Link pages) into theirs.
	api, reg := httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil) // listening, not serving
	apiURL, regHost := "https://"+api.Listener.Addr().String(), reg.Listener.Addr().String()
	rewrite := strings.NewReplacer(g.URL(), apiURL, "https://"+g.Host(), "https://"+regHost, g.Host(), regHost)
	api.Config.Handler = w.registry.Wrap(rewritingProxy(g.URL(), f.caPEM, rewrite))
	reg.Config.Handler = w.registry.Wrap(rewritingProxy("https://"+g.Host(), f.caPEM, rewrite))
	for _, s := range []*httptest.Server{api, reg} {
		s.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.StartTLS()
		w.closers = append(w.closers, s.Close)
	}
	w.regHost, f.regURL, f.apiURL = regHost, "https://"+regHost, apiURL
	gl := scmtest.ServeGitLab(w.fail, forgeToken)
	w.closers = append(w.closers, gl.Close)
	gl.AddProject(gitLabProject)
	for pr, s := range ds.PRs {
		if st, ok := map[State]string{Open: "opened", Merged: "merged", Closed: "closed"}[s]; ok {
			gl.SetMR(gitLabProject, pr, st, closed)
		}
	}
	w.srcURL = "http://" + w.serve(w.source.Wrap(reverseProxy(gl.URL())))
	return nil
}

// rewritingProxy forwards to upstream (https, trusting caPEM) and rewrites the
// upstream's URLs in the answer's headers.
func rewritingProxy(upstream string, caPEM []byte, rewrite *strings.Replacer) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic("bench: an upstream URL of our own does not parse: " + upstream)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	p := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 512
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	p.Transport = tr
	p.ErrorLog = log.New(io.Discard, "", 0)
	p.ModifyResponse = func(r *http.Response) error {
		for k, vs := range r.Header {
			for i, v := range vs {
				r.Header[k][i] = rewrite.Replace(v)
			}
		}
		return nil
	}
	return p
}

// prefixed returns ds with each repository's name under prefix.
func prefixed(ds *Dataset, prefix string) *Dataset {
	if prefix == "" {
		return ds
	}
	c := *ds
	c.Repos = slices.Clone(ds.Repos)
	for i := range c.Repos {
		c.Repos[i].Name = prefix + c.Repos[i].Name
	}
	return &c
}

// prefixReader reads repository prefix+repo for repo.
type prefixReader struct {
	r      stateReader
	prefix string
}

func (p prefixReader) tags(ctx context.Context, repo string) (map[string]string, error) {
	return p.r.tags(ctx, p.prefix+repo)
}

func (p prefixReader) hasManifest(ctx context.Context, repo, digest string) (bool, error) {
	return p.r.hasManifest(ctx, p.prefix+repo, digest)
}

// forgeJob describes prsweep's sweep of a forge world; files go to dir.
func (o Options) forgeJob(w *world, alg, dir string) (Job, error) {
	j := Job{Algorithm: alg, DryRun: o.DryRun, PlanApply: o.PlanApply, LogLevel: o.LogLevel, Output: o.Output, HeapFile: o.HeapFile}
	if alg != AlgoPrsweep {
		return j, fmt.Errorf("%s runs only against distribution and ACR", alg)
	}
	write := func(name string, content []byte) (string, error) {
		path := filepath.Join(dir, name)
		return path, os.WriteFile(path, content, 0o600)
	}
	tokenFile, err := write("token", []byte(forgeToken))
	if err != nil {
		return j, err
	}
	caFile, err := write("ca.pem", w.forge.caPEM)
	if err != nil {
		return j, err
	}
	var b strings.Builder
	if o.Registry == RegistryGHCR {
		fmt.Fprintf(&b, "registry:\n  type: ghcr\n  url: %s\n  api: %s\n  owner: %s\n  tokenFile: %s\n  caFile: %s\n",
			w.forge.regURL, w.forge.apiURL, ghcrOwner, tokenFile, caFile)
		fmt.Fprintf(&b, "sources:\n  - name: gh\n    type: github\n    url: %s\n    tokenFile: %s\n", w.srcURL, tokenFile)
		fmt.Fprintf(&b, "rules:\n  - tags: '%s'\n    source: gh\n    repo: %s\n", TagPattern, ghCodeRepo)
	} else {
		fmt.Fprintf(&b, "registry:\n  type: gitlab\n  url: %s\n  api: %s\n  project: %s\n  tokenFile: %s\n  caFile: %s\n",
			w.forge.regURL, w.forge.apiURL, gitLabProject, tokenFile, caFile)
		fmt.Fprintf(&b, "sources:\n  - name: gl\n    type: gitlab\n    url: %s\n    project: %s\n    tokenFile: %s\n", w.srcURL, gitLabProject, tokenFile)
		fmt.Fprintf(&b, "rules:\n  - tags: '%s'\n    source: gl\n", TagPattern)
	}
	if o.Concurrency > 0 {
		fmt.Fprintf(&b, "concurrency: %d\n", o.Concurrency)
	}
	if o.ExtraYAML != "" {
		b.WriteString(strings.TrimSuffix(o.ExtraYAML, "\n") + "\n")
	}
	j.ConfigFile, err = write("prsweep.yaml", []byte(b.String()))
	return j, err
}
