package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// NewBaseTransport is the transport every adapter builds on: the standard one,
// with TLS 1.2 at least, the system's CAs plus those in caFile (a PEM bundle, for a
// private CA), and certificate checks off only when skipVerify (insecure: true).
func NewBaseTransport(caFile string, skipVerify bool) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
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
