package sweep

import (
	"log/slog"
	"net/http"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/gitlab"
)

// newGitLab builds the backend of a registry of type gitlab.
func newGitLab(r config.Registry, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper) (registry.Backend, error) {
	if r.Insecure {
		log.Warn("insecure: true: the registry's TLS certificate is not checked and plain http is allowed", "registry", r.Host())
	}
	c, err := gitlab.New(r.Host(), gitlab.Options{
		API:            r.API,
		Project:        r.Project,
		Group:          r.Group,
		Token:          r.Token.Reveal(),
		Scheme:         r.Scheme(),
		SkipTLSVerify:  r.Insecure,
		CAFile:         r.CAFile,
		Wrap:           wrap,
		PageSize:       min(o.PageSize, gitlab.DefaultPageSize),
		RetryOptions:   o.RetryOptions,
		AttemptTimeout: o.AttemptTimeout,
		Limiter:        o.Limiter,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
