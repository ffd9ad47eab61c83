package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

// The registries the benchmark runs against.
const (
	RegistryV3     = "v3"     // distribution v3 in-process: deletes a tag alone
	Registry28     = "2.8"    // Debian's docker-registry: deletes only manifests
	RegistryACR    = "acr"    // the ACR fake (in front of distribution v3)
	RegistryMemory = "memory" // registrytest.Memory: a million tags
)

// Registries lists the registries, for flags.
func Registries() []string {
	return []string{RegistryV3, Registry28, RegistryACR, RegistryMemory, RegistryGHCR, RegistryGitLab}
}

// Credentials of the fakes.
const (
	adoOrg, adoProject = "contoso", "Jarvis"
	adoToken           = "bench-ado-token"
	acrTenant          = "0f1e2d3c-0000-4000-8000-00000000beef"
	acrClientID        = "11111111-2222-4333-8444-00000000beef"
	acrSecret          = "bench-sp-secret"
)

// world is one registry seeded with a data set, the Azure DevOps fake holding
// its pull requests, and the meters in front of both.
type world struct {
	kind                        string
	registry, source, authority *Meter
	regHost                     string // what the client is configured with: host:port
	srcURL                      string // the Azure DevOps organisation URL, through the meter
	acr                         *registrytest.ACR
	forge                       *forgeWorld // RegistryGHCR, RegistryGitLab
	reader                      stateReader

	mu      sync.Mutex
	unknown []string // requests a fake did not know
	closers []func()
}

func (w *world) fail(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.unknown) < 20 {
		w.unknown = append(w.unknown, fmt.Sprintf(format, args...))
	}
}

func (w *world) unknownRequests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.unknown)
}

func (w *world) close() {
	for _, c := range slices.Backward(w.closers) {
		c()
	}
}

// newWorld starts the registry of o.Registry, seeds ds into it, and starts the
// source and the meters.
func newWorld(ctx context.Context, o Options, ds *Dataset) (w *world, err error) {
	w = &world{kind: o.Registry,
		registry:  newMeter(o.Latency, o.Quota, registryKind),
		source:    newMeter(o.Latency, Quota{}, sourceKind),
		authority: newMeter(o.Latency, Quota{}, authorityKind),
	}
	w.registry.exempt = signIn
	if o.Faults.active() {
		w.registry.faults = newInjector(o.Faults, o.Seed)
		w.source.faults = newInjector(o.Faults, o.Seed+1)
	}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	switch o.Registry {
	case RegistryV3, Registry28, RegistryACR:
		var backend *registrytest.Server
		if o.Registry == Registry28 {
			backend, err = registrytest.NewDistribution28(ctx, "")
		} else {
			backend, err = registrytest.NewV3(ctx)
		}
		if err != nil {
			return nil, err
		}
		w.closers = append(w.closers, func() { _ = backend.Close() })
		if err := seedHTTP(ctx, backend.URL(), ds); err != nil {
			return nil, err
		}
		w.reader = httpReader{base: backend.URL(), c: newClient(seedConcurrency)}
		if o.Registry == RegistryACR {
			w.startACR(backend)
			break
		}
		w.regHost = w.serve(w.registry.Wrap(reverseProxy(backend.URL())))
	case RegistryGHCR, RegistryGitLab:
		return w, w.startForge(ctx, o, ds)
	case RegistryMemory:
		mem := registrytest.NewMemoryStore()
		if err := seedMemory(mem, ds); err != nil {
			return nil, err
		}
		w.reader = memReader{mem}
		w.regHost = w.serve(w.registry.Wrap(mem))
	default:
		return nil, fmt.Errorf("unknown registry %q: want one of %s", o.Registry, strings.Join(Registries(), ", "))
	}

	ado := scmtest.ServeAzureDevOps(w.fail, adoOrg, adoProject, adoToken)
	w.closers = append(w.closers, ado.Close)
	for pr, s := range ds.PRs {
		if status, ok := map[State]string{Open: "active", Merged: "completed", Closed: "abandoned"}[s]; ok {
			ado.SetPR(pr, status, time.Time{})
		}
	}
	w.srcURL = "http://" + w.serve(w.source.Wrap(reverseProxy(strings.TrimSuffix(ado.URL(), "/"+adoOrg)))) + "/" + adoOrg
	return w, nil
}

func (w *world) startACR(backend *registrytest.Server) {
	w.acr = registrytest.NewACR(backend, w.fail, registrytest.WithACRWrap(func(server string, h http.Handler) http.Handler {
		if server == registrytest.ACRLoginServer {
			return w.registry.Wrap(h)
		}
		return w.authority.Wrap(h)
	}))
	w.closers = append(w.closers, w.acr.Close)
	w.acr.AddServicePrincipal(acrTenant, acrClientID, acrSecret, registrytest.ACRContributor())
	w.regHost = w.acr.Host()
}

// serve starts an http server for h and returns its host:port.
func (w *world) serve(h http.Handler) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	w.closers = append(w.closers, srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// resetMeters forgets what the meters counted.
func (w *world) resetMeters() {
	w.registry.Reset()
	w.source.Reset()
	w.authority.Reset()
}

// reverseProxy forwards to upstream (http://host:port), keeping the Host the
// client sent, with room for many connections.
func reverseProxy(upstream string) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(errors.New("bench: an upstream URL of our own does not parse: " + upstream))
	}
	p := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 512
	p.Transport = tr
	p.ErrorLog = log.New(io.Discard, "", 0)
	return p
}
