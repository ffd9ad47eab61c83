package registrytest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"

	// The inmemory storage driver registers itself with distribution's driver factory.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// basicRealm is the realm of the basic-auth challenge.
const basicRealm = "prsweep-registrytest"

// v3Config is the registry configuration. It goes through configuration.Parse, which
// applies defaults a Go struct would miss (catalog.maxentries, tags.maxtags): without
// them _catalog is empty and every ?n= is a 400.
const v3Config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  inmemory: {}
  delete:
    enabled: %t
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: %s
`

// NewV3 starts the CNCF distribution registry v3 in-process on 127.0.0.1 with
// in-memory storage and deletes enabled. It is up when NewV3 returns; Close stops it.
//
// The handlers path starts no OpenTelemetry exporter (only registry.NewRegistry does),
// so no OTEL_* variable is needed. Logging goes through logrus' standard logger, which
// NewV3 sets to level error and to io.Discard or the WithLogOutput writer.
func NewV3(ctx context.Context, opts ...Option) (*Server, error) {
	o := buildOptions(opts)

	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generating the http secret: %w", err)
	}
	yaml := fmt.Sprintf(v3Config, !o.deleteDisabled, hex.EncodeToString(secret))
	cfg, err := configuration.Parse(strings.NewReader(yaml))
	if err != nil {
		return nil, fmt.Errorf("parsing the distribution v3 configuration: %w", err)
	}

	logrus.SetLevel(logrus.ErrorLevel)
	logrus.SetOutput(o.logOutput)

	app, err := newApp(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var h http.Handler = app
	if o.user != "" {
		h = basicAuth(app, o.user, o.pass)
	}
	srv := httptest.NewServer(h)
	return &Server{
		kind: KindV3,
		host: strings.TrimPrefix(srv.URL, "http://"),
		user: o.user,
		pass: o.pass,
		stop: func() error {
			srv.Close()
			return app.Shutdown()
		},
	}, nil
}

// newApp turns the panics with which handlers.NewApp reports a bad configuration into
// an error.
func newApp(ctx context.Context, cfg *configuration.Configuration) (app *handlers.App, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("starting distribution v3: %v", r)
		}
	}()
	return handlers.NewApp(ctx, cfg), nil
}

// basicAuth guards the registry with HTTP basic authentication and answers a missing or
// wrong credential the way distribution's htpasswd access controller does: 401, a Basic
// challenge and an UNAUTHORIZED error body. (distribution's htpasswd controller itself
// needs golang.org/x/crypto/bcrypt, which this module does not require, and its
// access-controller registry is a process-wide map that is unsafe to extend at run time.)
func basicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if ok && subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", basicRealm))
		_ = errcode.ServeJSON(w, errcode.ErrorCodeUnauthorized)
	})
}
