package sweep

import (
	"log/slog"
	"net/http"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/ghcr"
)

// newGHCR builds the backend of a registry of type ghcr.
func newGHCR(r config.Registry, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper) (registry.Backend, error) {
	c, err := ghcr.New(r.Host(), ghcr.Options{
		API:            r.GHCRAPI(),
		Owner:          r.Owner,
		Token:          r.Token.Reveal(),
		CAFile:         r.CAFile,
		Wrap:           wrap,
		PageSize:       o.PageSize,
		RetryOptions:   o.RetryOptions,
		AttemptTimeout: o.AttemptTimeout,
		Limiter:        o.Limiter,
		Now:            o.Now,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
