package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// MaxIdleConnsPerHost is the base transport's pool of idle connections per
// host: as many as the largest concurrency a sweep may have, so that no request
// in flight finds its connection closed and a new TLS handshake waiting when it
// ends. (The standard transport keeps 2.) The pool holds no more connections
// than were ever in use at once, so a smaller concurrency keeps fewer.
const MaxIdleConnsPerHost = 64

// NewBaseTransport is the transport every adapter builds on: the standard one,
// with TLS 1.2 at least, the system's CAs plus those in caFile (a PEM bundle, for a
// private CA), and certificate checks off only when skipVerify (insecure: true),
// HTTP/2 where the server offers it, and a pool of MaxIdleConnsPerHost.
func NewBaseTransport(caFile string, skipVerify bool) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	// The registry, its token server and the sources share the pool.
	t.MaxIdleConns = max(t.MaxIdleConns, 2*MaxIdleConnsPerHost)
	// With a TLS config of our own, HTTP/2 must be asked for.
	t.ForceAttemptHTTP2 = true
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify} //nolint:gosec // only with insecure: true
	if caFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading registry.caFile: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("reading registry.caFile %s: no PEM certificate found", caFile)
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}

// Base returns the transport an adapter builds on: given when set (a test's), else
// NewBaseTransport(caFile, skipVerify); wrapped by wrap when set (--debug's dump).
func Base(given http.RoundTripper, caFile string, skipVerify bool, wrap func(http.RoundTripper) http.RoundTripper) (http.RoundTripper, error) {
	base := given
	if base == nil {
		t, err := NewBaseTransport(caFile, skipVerify)
		if err != nil {
			return nil, err
		}
		base = t
	}
	if wrap != nil {
		base = wrap(base)
	}
	return base, nil
}
