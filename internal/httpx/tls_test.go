package httpx

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// tlsServer starts an https server with a certificate of its own, which caFile
// trusts; its connections are counted.
func tlsServer(t *testing.T, http2 bool) (srv *httptest.Server, caFile string, conns func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = http2
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestBaseTransportSpeaksHTTP2WhereOffered(t *testing.T) {
	for _, offered := range []bool{true, false} {
		srv, caFile, _ := tlsServer(t, offered)
		base, err := NewBaseTransport(caFile, false)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Transport: base}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 2, false: 1}[offered]; resp.ProtoMajor != want {
			t.Errorf("server offers HTTP/2: %v; the answer came over %s", offered, resp.Proto)
		}
		base.CloseIdleConnections()
	}
}

func TestBaseTransportKeepsAConnectionPerRequestInFlight(t *testing.T) {
	// HTTP/1.1: waves of concurrent requests reuse their connections rather
	// than open new ones for all but two of each wave (the standard pool keeps
	// two idle per host: 16 + 9 × 14 connections here). A connection goes back to
	// the pool just after its body is read, so a few more than 16 may open (on a
	// loaded machine, up to about twice as many).
	srv, caFile, conns := tlsServer(t, false)
	base, err := NewBaseTransport(caFile, false)
	if err != nil {
		t.Fatal(err)
	}
	defer base.CloseIdleConnections()
	const concurrency, waves = 16, 10
	for range waves {
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				if err := get(t, base, "GET", srv.URL+"/v2/"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := conns(); n > 3*concurrency {
		t.Errorf("%d connections for %d waves of %d requests, want about %d", n, waves, concurrency, concurrency)
	}
}
