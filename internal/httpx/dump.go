package httpx

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// DefaultDumpBodyLimit is how much of a textual body NewDump shows.
const DefaultDumpBodyLimit = 4 << 10

// DumpOption configures NewDump.
type DumpOption func(*dumpConfig)

type dumpConfig struct {
	limit   int
	secrets []string
}

// DumpBodyLimit sets how many bytes of each textual body are shown (default
// DefaultDumpBodyLimit). A value <= 0 keeps the default.
func DumpBodyLimit(n int) DumpOption {
	return func(c *dumpConfig) {
		if n > 0 {
			c.limit = n
		}
	}
}

// DumpScrub names values (a token, a password) to show as *** wherever they
// appear in the dump, on top of the redaction by name that NewDump always does.
func DumpScrub(secrets ...string) DumpOption {
	return func(c *dumpConfig) {
		for _, s := range secrets {
			if s != "" {
				c.secrets = append(c.secrets, s)
			}
		}
	}
}

// NewDump returns a RoundTripper that writes each request and its response to w
// for --debug: method, URL (RedactURL), status, headers, and up to
// DefaultDumpBodyLimit bytes of each textual body. It never writes a secret:
//
//   - Authorization, Proxy-Authorization, Cookie, Set-Cookie and every header
//     whose name looks like a secret (X-Api-Key, X-Auth-Token, …) show ***;
//   - secret-looking query parameters show *** in the request line and in
//     Location, Content-Location and Link headers;
//   - in JSON and form bodies the values of secret-looking fields
//     (access_token, refresh_token, token, password, client_secret,
//     client_assertion, …) show ***, also in a body cut at the limit or one
//     that does not parse; anything shaped like a JWT shows ***;
//   - values given with DumpScrub show *** wherever they appear.
//
// Binary bodies are summarised, not read. The request and the response reach
// next and the caller unchanged; each exchange is numbered (#1, #2, …) so that
// concurrent ones can be told apart, and each block is one Write. Put it
// innermost (NewRetry(NewTimeout(NewDump(base, w), d))) to see every attempt.
// A nil next means http.DefaultTransport.
func NewDump(next http.RoundTripper, w io.Writer, opts ...DumpOption) http.RoundTripper {
	c := dumpConfig{limit: DefaultDumpBodyLimit}
	for _, o := range opts {
		o(&c)
	}
	return &dump{next: orDefault(next), w: w, cfg: c}
}

type dump struct {
	next http.RoundTripper
	cfg  dumpConfig
	seq  atomic.Int64
	mu   sync.Mutex // one block at a time on w
	w    io.Writer
}

func (d *dump) RoundTrip(req *http.Request) (*http.Response, error) {
	n := d.seq.Add(1)
	var b strings.Builder
	fmt.Fprintf(&b, "--> #%d %s %s\n", n, req.Method, RedactURL(req.URL))
	d.headers(&b, req.Header)
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		if replay := d.body(&b, req.Header.Get("Content-Type"), req.ContentLength, req.Body); replay != nil {
			// A RoundTripper must not change the caller's request: send a copy.
			out = req.Clone(req.Context())
			out.Body = replay
		}
	}
	d.emit(b.String())

	resp, err := d.next.RoundTrip(out)
	b.Reset()
	if err != nil {
		fmt.Fprintf(&b, "<-- #%d error: %v\n", n, err)
		d.emit(b.String())
		return resp, err
	}
	status := resp.Status
	if status == "" { // a response built by a RoundTripper, not read from the wire
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	fmt.Fprintf(&b, "<-- #%d %s\n", n, status)
	d.headers(&b, resp.Header)
	if req.Method != http.MethodHead && resp.Body != nil && resp.Body != http.NoBody && resp.ContentLength != 0 {
		if replay := d.body(&b, resp.Header.Get("Content-Type"), resp.ContentLength, resp.Body); replay != nil {
			resp.Body = replay
		}
	}
	d.emit(b.String())
	return resp, nil
}

// headers writes h sorted by name, each value redacted as its name requires.
func (d *dump) headers(b *strings.Builder, h http.Header) {
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			fmt.Fprintf(b, "%s: %s\n", name, redactHeader(name, v))
		}
	}
}

// body shows up to the limit of a textual body and returns a body that replays
// what was read, or only a summary (and a nil replay) for anything else.
func (d *dump) body(b *strings.Builder, contentType string, length int64, rc io.ReadCloser) io.ReadCloser {
	if !textual(contentType) {
		fmt.Fprintf(b, "[body: %s, %s, not shown]\n", contentType, sizeOf(length))
		return nil
	}
	shown, err := io.ReadAll(io.LimitReader(rc, int64(d.cfg.limit)+1))
	cut := len(shown) > d.cfg.limit
	rest := io.Reader(rc)
	if err != nil {
		rest = errReader{err}
	}
	replay := readCloser{Reader: io.MultiReader(bytes.NewReader(shown), rest), Closer: rc}
	if cut {
		shown = shown[:d.cfg.limit]
	}
	if contentType == "" && !utf8.Valid(shown) {
		fmt.Fprintf(b, "[body: no content type, not UTF-8, %s, not shown]\n", sizeOf(length))
		return replay
	}
	b.WriteString("\n")
	b.WriteString(redactBody(contentType, shown))
	b.WriteString("\n")
	switch {
	case err != nil:
		fmt.Fprintf(b, "[reading the body failed after %d bytes: %v]\n", len(shown), err)
	case cut:
		fmt.Fprintf(b, "[body cut at %d bytes of %s]\n", d.cfg.limit, sizeOf(length))
	}
	return replay
}

func (d *dump) emit(s string) {
	for _, secret := range d.cfg.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = io.WriteString(d.w, s)
}

// SyncWriter lets several dump layers share one writer: one Write at a time.
type SyncWriter struct {
	mu sync.Mutex
	W  io.Writer
}

func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.W.Write(p)
}

// Do runs f while no Write runs: to read what was written so far.
func (s *SyncWriter) Do(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func sizeOf(n int64) string {
	if n < 0 {
		return "length unknown"
	}
	return fmt.Sprintf("%d bytes", n)
}

// textual reports whether a body of this type is worth showing: text, JSON,
// XML and forms; an unlabelled body is shown when it is valid UTF-8.
func textual(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml" ||
		mt == "application/x-www-form-urlencoded" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// redactHeader returns a header value fit for the dump.
func redactHeader(name, v string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return "***"
	case "location", "content-location":
		if u, err := url.Parse(v); err == nil {
			return RedactURL(u)
		}
		return "***"
	case "link":
		return linkURL.ReplaceAllStringFunc(v, func(m string) string {
			u, err := url.Parse(m[1 : len(m)-1])
			if err != nil {
				return "<***>"
			}
			return "<" + RedactURL(u) + ">"
		})
	}
	if secretKey(name) {
		return "***"
	}
	return jwt.ReplaceAllString(v, "***")
}

var linkURL = regexp.MustCompile(`<[^>]*>`)
