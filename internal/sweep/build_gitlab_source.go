package sweep

import (
	"log/slog"
	"net/http"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/scm"
	gitlabscm "github.com/prsweep/prsweep/internal/scm/gitlab"
)

// newGitLabSource builds a source of type gitlab with the layers every source
// has: our base transport (under the --debug dump), the sweep's Limiter, retry
// options and attempt time-out, and its clock.
func newGitLabSource(src config.Source, o Options, log *slog.Logger, wrap func(http.RoundTripper) http.RoundTripper) (scm.Provider, error) {
	base, err := httpx.Base(nil, src.CAFile, false, wrap)
	if err != nil {
		return nil, err
	}
	tt := gitlabscm.PrivateToken
	if src.TokenType == config.GitLabTokenJob {
		tt = gitlabscm.JobToken
	}
	opts := []gitlabscm.Option{
		gitlabscm.WithProject(src.Project), gitlabscm.WithTokenType(tt), gitlabscm.WithLogger(log),
		gitlabscm.WithLimiter(o.Limiter), gitlabscm.WithTransport(base), gitlabscm.WithRetry(o.RetryOptions...),
	}
	if o.Now != nil {
		opts = append(opts, gitlabscm.WithClock(o.Now))
	}
	if o.AttemptTimeout > 0 {
		opts = append(opts, gitlabscm.WithAttemptTimeout(o.AttemptTimeout))
	}
	return gitlabscm.New(src.URL, src.Token.Reveal(), opts...)
}
