package registrytest

import (
	"context"
	"io"
	"sync"
)

// Kind names the registry implementation behind a Server.
type Kind string

const (
	// KindV3 is distribution v3 in-process: tag deletion, tags/list pagination.
	KindV3 Kind = "v3"
	// KindDistribution28 is Debian's docker-registry (distribution 2.8): no tag
	// deletion, no tags/list pagination.
	KindDistribution28 Kind = "2.8"
)

// Server is a running registry reachable over plain HTTP on 127.0.0.1.
type Server struct {
	kind       Kind
	host       string
	user, pass string
	storage    string // distribution 2.8's filesystem root; "" for in-memory storage

	stop     func() error
	stopOnce sync.Once
	stopErr  error
}

// Host returns "127.0.0.1:PORT", the registry part of an image reference.
func (s *Server) Host() string { return s.host }

// URL returns "http://127.0.0.1:PORT".
func (s *Server) URL() string { return "http://" + s.host }

// Kind says which registry implementation runs.
func (s *Server) Kind() Kind { return s.kind }

// BasicAuth returns the credentials the server requires, if WithBasicAuth was given.
func (s *Server) BasicAuth() (user, pass string, ok bool) {
	return s.user, s.pass, s.user != ""
}

// Close stops the registry and frees what it holds. It is safe to call more than once.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

// Seed pushes images to the server with its credentials. See the package-level Seed.
func (s *Server) Seed(ctx context.Context, images []Image) (map[string]string, error) {
	return Seed(ctx, s.host, images, s.seedOptions()...)
}

// SeedIndex pushes a multi-platform index with the server's credentials. See the
// package-level SeedIndex.
func (s *Server) SeedIndex(ctx context.Context, repo, tag string, children []Image, tagChildren bool) (SeededIndex, error) {
	return SeedIndex(ctx, s.host, repo, tag, children, tagChildren, s.seedOptions()...)
}

func (s *Server) seedOptions() []SeedOption {
	if s.user == "" {
		return nil
	}
	return []SeedOption{SeedBasicAuth(s.user, s.pass)}
}

// Option configures a registry started by NewV3 or NewDistribution28.
type Option func(*options)

type options struct {
	deleteDisabled bool
	user, pass     string
	logOutput      io.Writer
}

func buildOptions(opts []Option) options {
	o := options{logOutput: io.Discard}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithDeleteDisabled starts the registry with storage.delete.enabled: false, so every
// DELETE of a manifest answers 405 UNSUPPORTED.
func WithDeleteDisabled() Option {
	return func(o *options) { o.deleteDisabled = true }
}

// WithBasicAuth makes the registry require HTTP basic authentication with these
// credentials; requests without them get 401 and `WWW-Authenticate: Basic realm=…`.
// Only NewV3 supports it.
func WithBasicAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithLogOutput sends the registry's log (error level) to w instead of discarding it.
// For v3 this is logrus' process-wide standard logger; for 2.8 the child's stdout and
// stderr.
func WithLogOutput(w io.Writer) Option {
	return func(o *options) {
		if w != nil {
			o.logOutput = w
		}
	}
}
