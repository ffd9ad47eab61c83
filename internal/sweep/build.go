package sweep

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/acr"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
	"github.com/prsweep/prsweep/internal/scm/static"
)

// Options are what a caller adds to a configuration.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// RetryOptions tune every adapter's retry layer (tests inject the sleep).
	RetryOptions []httpx.RetryOption
	// AttemptTimeout bounds each HTTP attempt of every adapter (default: http.timeout,
	// else 10s for reads and 60s for writes).
	AttemptTimeout time.Duration
	// Limiter is the budget of requests every adapter shares: concurrency requests
	// in flight, the registry's pace (rateLimit). Default: NewLimiter(cfg). Pass
	// one to read its counters (Stats) after the sweep.
	Limiter *httpx.Limiter
	// Debug, when set, receives a dump of every HTTP exchange, secrets redacted.
	Debug io.Writer
	// PageSize is the n asked of tag and catalog listings (default: the adapter's).
	PageSize int
}

// New builds a Sweeper from a validated configuration.
func New(cfg *config.Config, o Options) (*Sweeper, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The configuration's http settings come first; a caller's (tests) win.
	o.RetryOptions = append([]httpx.RetryOption{httpx.WithAttempts(cfg.HTTP.Attempts),
		httpx.WithMaxRetryAfter(cfg.HTTP.MaxRetryAfter.Std())}, o.RetryOptions...)
	o.AttemptTimeout = cmp.Or(o.AttemptTimeout, cfg.HTTP.Timeout.Std())
	if o.Limiter == nil {
		o.Limiter = NewLimiter(cfg, log, httpx.WithRetryTiming(o.RetryOptions...))
	}
	wrap := dumper(cfg, o.Debug)
	reg, err := newRegistry(cfg.Registry, o, log, wrap)
	if err != nil {
		return nil, err
	}
	providers := map[string]scm.Provider{}
	for _, src := range cfg.Sources {
		// missing is trusted only where the identity is shown to read every repository.
		p, err := newProvider(src, o, log, wrap, len(cfg.MissingRules(src.Name)) > 0)
		if err != nil {
			return nil, fmt.Errorf("setting up source %q: %w", src.Name, err)
		}
		providers[src.Name] = p
	}
	return &Sweeper{
		Registry:     reg,
		Providers:    providers,
		Policy:       newPolicy(cfg),
		Repositories: cfg.Registry.Repositories,
		Host:         cfg.Registry.Host(),
		AuditPath:    cfg.Audit,
		Limits:       limits(cfg.Safety),
		Graph:        plan.Graph{UntaggedDelete: cfg.Untagged == config.UntaggedDelete, KeepReferrers: cfg.Referrers == config.ReferrersKeep},
		Concurrency:  cfg.Concurrency,
		Timeout:      cfg.Timeout.Std(),
		Now:          o.Now,
		Logger:       log,
		Limiter:      o.Limiter,
	}, nil
}

// NewLimiter returns the budget of requests a sweep of cfg shares among all its
// adapters, registry and sources: cfg.Concurrency requests in flight, the
// registry's reads and writes paced per rateLimit, and slowed for everyone when
// the registry answers 429 (changes of pace are logged to log at info level). opts
// come after those (tests: httpx.WithLimiterClock).
func NewLimiter(cfg *config.Config, log *slog.Logger, opts ...httpx.LimiterOption) *httpx.Limiter {
	reads, writes := cfg.RateLimit.PerMinute()
	opts = append([]httpx.LimiterOption{httpx.WithLimiterLogger(log), httpx.WithMaxHold(cfg.HTTP.MaxRetryAfter.Std())}, opts...)
	return httpx.NewLimiter(httpx.Limits{Concurrency: cfg.Concurrency, ReadsPerMinute: float64(reads), WritesPerMinute: float64(writes)}, opts...)
}

// Context applies the configured sweep deadline.
func (s *Sweeper) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.Timeout)
}

func newRegistry(r config.Registry, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper) (registry.Backend, error) {
	switch r.Type {
	case "oci":
		if r.Insecure {
			log.Warn("insecure: true: the registry's TLS certificate is not checked and plain http is allowed", "registry", r.Host())
		}
		return oci.New(r.Host(), oci.Options{
			Scheme:         r.Scheme(),
			SkipTLSVerify:  r.Insecure,
			CAFile:         r.CAFile,
			Username:       r.Username,
			Password:       r.Password.Reveal(),
			RetryOptions:   o.RetryOptions,
			AttemptTimeout: o.AttemptTimeout,
			Limiter:        o.Limiter,
			PageSize:       o.PageSize,
			Untag:          oci.UntagMode(r.Untag),
			Wrap:           wrap,
			Logger:         log,
		})
	case "acr":
		c, err := acr.New(r.Host(), acr.Options{
			Credentials: acr.Credentials{
				Auth:     acr.Auth(r.ACRAuth()),
				TenantID: r.TenantID, ClientID: r.ClientID,
				ClientSecret:    r.ClientSecret.Reveal(),
				CertificateFile: r.ClientCertificateFile, CertificatePassword: r.ClientCertificatePassword.Reveal(),
				ServiceConnectionID: r.ServiceConnectionID, SystemAccessToken: r.SystemAccessToken.Reveal(),
				FederatedTokenFile: r.FederatedTokenFile,
				Username:           r.Username, Password: r.Password.Reveal(),
				AuthorityHost: r.AuthorityHost, Audience: r.Audience,
			},
			CAFile:         r.CAFile,
			RetryOptions:   o.RetryOptions,
			AttemptTimeout: o.AttemptTimeout,
			Limiter:        o.Limiter,
			PageSize:       o.PageSize,
			Wrap:           wrap,
			Logger:         log,
		})
		if err != nil {
			return nil, err
		}
		return c, nil
	case "gitlab":
		return newGitLab(r, o, log, wrap)
	case "ghcr":
		return newGHCR(r, o, log, wrap)
	}
	return nil, fmt.Errorf("registry.type %q is not supported", r.Type)
}

func newProvider(src config.Source, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper, checkMissing bool) (scm.Provider, error) {
	switch src.Type {
	case "static":
		states := map[string]scm.State{}
		for n, s := range src.States {
			st, _ := scm.ParseState(s)
			states[n] = st
		}
		return static.New(states, o.Now), nil
	case "github":
		return newGitHub(src, o, log, wrap)
	case "gitlab":
		return newGitLabSource(src, o, log, wrap)
	case "azuredevops":
		tt := map[string]azuredevops.TokenType{"pat": azuredevops.PAT, "bearer": azuredevops.Bearer}[src.TokenType]
		opts := []azuredevops.Option{azuredevops.WithTokenType(tt), azuredevops.WithLogger(log), azuredevops.WithLimiter(o.Limiter)}
		if checkMissing {
			opts = append(opts, azuredevops.WithMissingCheck())
		}
		// Our base transport rather than http.DefaultTransport: its pool keeps a
		// connection for each request in flight.
		base, err := httpx.Base(nil, src.CAFile, false, wrap)
		if err != nil {
			return nil, err
		}
		opts = append(opts, azuredevops.WithTransport(base))
		if o.Now != nil {
			opts = append(opts, azuredevops.WithClock(o.Now))
		}
		if o.AttemptTimeout > 0 {
			opts = append(opts, azuredevops.WithAttemptTimeout(o.AttemptTimeout))
		}
		opts = append(opts, azuredevops.WithRetry(o.RetryOptions...))
		return azuredevops.New(src.URL, src.Project, src.Token.Reveal(), opts...)
	}
	return nil, fmt.Errorf("source type %q is not supported", src.Type)
}

func newPolicy(cfg *config.Config) policy.Policy {
	p := policy.Policy{Keep: cfg.KeepPatterns()}
	for _, r := range cfg.Rules {
		p.Rules = append(p.Rules, policy.Rule{
			Repositories: r.Repositories,
			Tags:         r.TagPattern(),
			Source:       r.Source,
			Repo:         r.Repo,
			Delete:       r.DeleteStates(),
			After:        r.After.Std(),
			MinAge:       r.MinAge.Std(),
		})
	}
	return p
}

func limits(s config.Safety) plan.Limits {
	l := plan.Limits{MaxDeletions: s.MaxDeletions, MaxDeletionsPercent: s.MaxDeletionsPercent}
	l.PerRepository.MaxDeletions = s.PerRepository.MaxDeletions
	l.PerRepository.MaxDeletionsPercent = s.PerRepository.MaxDeletionsPercent
	return l
}

// dumper returns what wraps every adapter's transport for --debug, or nil.
func dumper(cfg *config.Config, w io.Writer) func(http.RoundTripper) http.RoundTripper {
	if w == nil {
		return nil
	}
	r := cfg.Registry
	secrets := []string{r.Password.Reveal(), r.ClientSecret.Reveal(), r.ClientCertificatePassword.Reveal(), r.SystemAccessToken.Reveal(), r.Token.Reveal()}
	for _, src := range cfg.Sources {
		secrets = append(secrets, src.Token.Reveal())
	}
	// Every adapter's dump layer shares w, and repositories are swept at once: one
	// exchange's block at a time.
	w = &httpx.SyncWriter{W: w}
	return func(rt http.RoundTripper) http.RoundTripper {
		return httpx.NewDump(rt, w, httpx.DumpScrub(secrets...))
	}
}
