package sweep

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/github"
)

// newGitHub builds a source of type github with the same layers as the other
// sources: our base transport (under the --debug dump), the sweep's Limiter,
// retry options and attempt time-out, and its clock.
func newGitHub(src config.Source, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper) (scm.Provider, error) {
	auth := github.Auth{Token: src.Token.Reveal(), AppID: src.AppID, InstallationID: src.InstallationID}
	if src.PrivateKeyFile != "" {
		key, err := os.ReadFile(src.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("reading the github app's privateKeyFile: %w", err)
		}
		auth.PrivateKey = key
	}
	base, err := httpx.Base(nil, src.CAFile, false, wrap)
	if err != nil {
		return nil, err
	}
	opts := []github.Option{github.WithLogger(log), github.WithLimiter(o.Limiter), github.WithTransport(base), github.WithRetry(o.RetryOptions...)}
	if o.Now != nil {
		opts = append(opts, github.WithClock(o.Now))
	}
	if o.AttemptTimeout > 0 {
		opts = append(opts, github.WithAttemptTimeout(o.AttemptTimeout))
	}
	return github.New(src.GitHubURL(), auth, opts...)
}
