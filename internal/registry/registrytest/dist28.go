package registrytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Distribution28Binary is where Debian's docker-registry package (distribution 2.8)
// installs the registry.
const Distribution28Binary = "/usr/bin/docker-registry"

// InstallDistribution28 is the command that installs Distribution28Binary.
const InstallDistribution28 = "apt-get install -y docker-registry"

// readyTimeout bounds how long a started 2.8 process may take to answer GET /v2/, unless
// the context has an earlier deadline.
const readyTimeout = 30 * time.Second

const dist28Config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: %t
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
`

// NewDistribution28 starts Debian's docker-registry (distribution 2.8.2) as a child
// process on a free 127.0.0.1 port, with its configuration under dir (a new temporary
// directory, removed by Close, when dir is "") and its filesystem storage in a temporary
// directory under /dev/shm (under dir where there is no /dev/shm). It returns once
// GET /v2/ answers. Close kills the process. An error wrapping fs.ErrNotExist means the
// binary is not installed (InstallDistribution28).
func NewDistribution28(ctx context.Context, dir string, opts ...Option) (*Server, error) {
	o := buildOptions(opts)
	if o.user != "" {
		return nil, errors.New("starting distribution 2.8: WithBasicAuth is supported by v3 only")
	}
	if _, err := os.Stat(Distribution28Binary); err != nil {
		return nil, fmt.Errorf("starting distribution 2.8 (%s): %w", InstallDistribution28, err)
	}
	var cleanup []func() error
	undo := func() error {
		var errs []error
		for _, f := range slices.Backward(cleanup) {
			errs = append(errs, f())
		}
		return errors.Join(errs...)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "prsweep-distribution28-")
		if err != nil {
			return nil, fmt.Errorf("starting distribution 2.8: %w", err)
		}
		dir, cleanup = d, append(cleanup, func() error { return os.RemoveAll(d) })
	}
	storage := filepath.Join(dir, "storage")
	// The filesystem driver is about 4× faster on tmpfs than on ext4: use /dev/shm when
	// there is one.
	if d, err := os.MkdirTemp("/dev/shm", "prsweep-distribution28-"); err == nil {
		storage, cleanup = d, append(cleanup, func() error { return os.RemoveAll(d) })
	}

	var errs []error
	for range 3 { // the free port may be taken between probing and binding
		s, err := startDistribution28(ctx, dir, storage, o)
		if err == nil {
			stop := s.stop
			s.stop = func() error { return errors.Join(stop(), undo()) }
			return s, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(append(errs, undo())...)
}

func startDistribution28(ctx context.Context, dir, storage string, o options) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, fmt.Errorf("starting distribution 2.8: %w", err)
	}
	config := filepath.Join(dir, "config.yml")
	yaml := fmt.Sprintf(dist28Config, strconv.Quote(storage), !o.deleteDisabled, addr)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		return nil, fmt.Errorf("starting distribution 2.8: %w", err)
	}

	out := &tailWriter{}
	cmd := exec.Command(Distribution28Binary, "serve", config)
	cmd.Env = registryFreeEnv()
	cmd.Stdout = io.MultiWriter(out, o.logOutput)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting distribution 2.8: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() error {
		select {
		case <-exited: // it died on its own
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		return nil
	}

	if err := waitReady(ctx, "http://"+addr+"/v2/", exited); err != nil {
		_ = stop()
		if e := waitErr; e != nil {
			err = fmt.Errorf("%w (%v)", err, e)
		}
		return nil, fmt.Errorf("starting distribution 2.8 on %s: %w; output: %s", addr, err, out.String())
	}
	return &Server{kind: KindDistribution28, host: addr, stop: stop, storage: storage}, nil
}

// waitReady polls url until it answers with any HTTP status, the process exits, or the
// deadline passes.
func waitReady(ctx context.Context, url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for GET /v2/: %w", ctx.Err())
		case <-exited:
			return errors.New("the process exited before answering GET /v2/")
		case <-tick.C:
		}
	}
}

// freeAddr returns a 127.0.0.1 address with a port nothing listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// registryFreeEnv is the environment without REGISTRY_* variables, which would
// override the configuration file.
func registryFreeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			env = append(env, kv)
		}
	}
	return env
}

// tailWriter keeps the last 4 KiB written to it, for error messages.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	const limit = 4 << 10
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > limit {
		w.buf = w.buf[len(w.buf)-limit:]
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(string(w.buf))
}
