package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flakyServer answers its first request by breaking the connection the way
// break says, and every later one with 200 "ok".
func flakyServer(t *testing.T, breakConn func(c net.Conn)) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		first := hits == 1
		mu.Unlock()
		if !first {
			_, _ = io.WriteString(w, "ok")
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijacking: %v", err)
			return
		}
		breakConn(conn)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRetryBrokenConnections(t *testing.T) {
	tests := []struct {
		name    string
		breakFn func(c net.Conn)
		wantErr error // what the first attempt fails with, seen without retries
	}{
		{"closed before answering", func(c net.Conn) { c.Close() }, io.EOF},
		{"reset", func(c net.Conn) {
			_ = c.(*net.TCPConn).SetLinger(0) // close with RST, not FIN
			c.Close()
		}, syscall.ECONNRESET},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Without keep-alives net/http does not retry on its own, so the
			// counts below are this layer's doing.
			base := &http.Transport{DisableKeepAlives: true}
			t.Cleanup(base.CloseIdleConnections)

			t.Run("seen without retries", func(t *testing.T) {
				srv, _ := flakyServer(t, tt.breakFn)
				_, err := (&http.Client{Transport: base}).Get(srv.URL)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			})
			t.Run("retried", func(t *testing.T) {
				srv, hits := flakyServer(t, tt.breakFn)
				sr := &sleepRecorder{}
				c := &http.Client{Transport: NewRetry(base, WithSleep(sr.sleep))}
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "ok" || *hits != 2 || len(sr.waits) != 1 {
					t.Errorf("body %q, hits %d, waits %v; want ok, 2, one wait", body, *hits, sr.waits)
				}
			})
		})
	}
}

func TestRetryAttemptTimeout(t *testing.T) {
	// The first request hangs until its attempt's deadline; the second answers,
	// well within a deadline chosen long enough for a busy machine.
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		if n == 1 {
			<-r.Context().Done()
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	sr := &sleepRecorder{}
	c := &http.Client{Transport: NewRetry(NewTimeout(http.DefaultTransport, 250*time.Millisecond), WithSleep(sr.sleep))}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || hits != 2 {
		t.Errorf("body %q after %d hits, want ok after 2", body, hits)
	}
}

func TestRetryGivesUpOnCallerDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	sr := &sleepRecorder{}
	c := &http.Client{Transport: NewRetry(nil, WithSleep(sr.sleep))}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	if len(sr.waits) != 0 {
		t.Errorf("retried after the caller's deadline: waits %v", sr.waits)
	}
}
