package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// hopByHop are the headers a proxy must not pass on.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// answer is the upstream's whole answer, read before anything is sent on.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// forward sends r to the upstream and reads the whole answer.
func (p *Proxy) forward(r *http.Request) (answer, error) {
	var body io.Reader
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return answer{}, err
		}
		body = bytes.NewReader(b)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream.String()+r.URL.RequestURI(), body)
	if err != nil {
		return answer{}, err
	}
	out.Header = r.Header.Clone()
	for _, h := range hopByHop {
		out.Header.Del(h)
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// copyHeader sets the answer's end-to-end headers on w, without Content-Length.
func (a answer) copyHeader(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = append([]string(nil), v...)
	}
	for _, k := range append(hopByHop, "Content-Length") {
		h.Del(k)
	}
}

// reply passes the answer on unchanged.
func (a answer) reply(w http.ResponseWriter, r *http.Request) string {
	a.copyHeader(w)
	if r.Method == http.MethodHead {
		if cl := a.header.Get("Content-Length"); cl != "" {
			w.Header().Set("Content-Length", cl)
		}
		w.WriteHeader(a.status)
		return strconv.Itoa(a.status)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
	return strconv.Itoa(a.status)
}

// truncate announces the whole body, sends part of it and closes the connection.
func (a answer) truncate(w http.ResponseWriter, rng *rand.Rand) string {
	a.copyHeader(w)
	declared := max(len(a.body), 1)
	cut := min(rng.IntN(declared), len(a.body))
	w.Header().Set("Content-Length", strconv.Itoa(declared))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body[:cut])
	rc := http.NewResponseController(w)
	_ = rc.Flush() // what was written must reach the client before the close
	if conn, _, err := rc.Hijack(); err == nil {
		_ = conn.Close()
	}
	return fmt.Sprintf("truncated %d/%d", cut, declared)
}

// garbage are bodies that are no valid answer of any API the proxy stands in
// front of: broken JSON, HTML, JSON of the wrong shape, binary.
var garbage = []string{
	`{"tags":[`,
	`<html><body><h1>502 Bad Gateway</h1></body></html>`,
	`{"name":7,"tags":"PR1","repositories":{},"pullRequestId":"x","status":7}`,
	"\x00\xff\xfe\x01 not json",
	`{"errors":`,
}

// malformed answers with the upstream's status and content type and garbage.
func (a answer) malformed(w http.ResponseWriter, rng *rand.Rand) string {
	a.copyHeader(w)
	body := garbage[rng.IntN(len(garbage))]
	w.Header().Del("Docker-Content-Digest")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, body)
	return fmt.Sprintf("%d malformed", a.status)
}

// writeError answers status with a registry-style JSON error body.
func writeError(w http.ResponseWriter, status int) string {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"errors":[{"code":"UNKNOWN","message":"injected %d"}],"message":"injected %d"}`, status, status)
	return strconv.Itoa(status)
}

// writeNotFound answers 404 as a registry does for a manifest or blob it does
// not have.
func writeNotFound(w http.ResponseWriter, r *http.Request) string {
	code, msg := "MANIFEST_UNKNOWN", "manifest unknown"
	if strings.Contains(r.URL.Path, "/blobs/") {
		code, msg = "BLOB_UNKNOWN", "blob unknown to registry"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q,"detail":"injected"}]}`, code, msg)
	}
	return "404"
}

// breakConn closes the connection without an answer: with RST when reset is
// true, else with FIN.
func breakConn(w http.ResponseWriter, reset bool) string {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, http.StatusBadGateway)
		return "502 (hijack failed)"
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
	if reset {
		return "reset"
	}
	return "closed"
}

// hold answers nothing until the client gives up; when the proxy stops first,
// it closes the connection.
func (p *Proxy) hold(w http.ResponseWriter, r *http.Request) string {
	select {
	case <-r.Context().Done():
		return "held"
	case <-p.stop:
		breakConn(w, false)
		return "held, closed at stop"
	}
}

// gate holds slow answers until another request of the proxy has been answered.
// A parked answer is released by the next request to finish, or at once when no
// other request is in flight, so that a sequential client never waits for a
// timer.
type gate struct {
	mu     sync.Mutex
	active int             // requests in flight and not parked
	parked []chan struct{} // oldest first
}

func (g *gate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active++
}

// leave marks a request answered and releases the oldest parked answer.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	if len(g.parked) > 0 {
		close(g.parked[0])
		g.parked = g.parked[1:]
	}
}

// park waits until another request is answered, ctx is done, or stop closes.
func (g *gate) park(ctx context.Context, stop <-chan struct{}) {
	g.mu.Lock()
	if g.active <= 1 { // only this one: nothing would ever release it
		g.mu.Unlock()
		return
	}
	g.active--
	ch := make(chan struct{})
	g.parked = append(g.parked, ch)
	g.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	case <-stop:
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, c := range g.parked {
		if c == ch { // not released: leave the queue
			g.parked = append(g.parked[:i], g.parked[i+1:]...)
			break
		}
	}
	g.active++
}
