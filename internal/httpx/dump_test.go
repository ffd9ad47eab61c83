package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Every value below is a secret that must never show in a dump. Each is unique,
// so a leak names the place it came from.
const (
	secAccess      = "sec-access-7f3k"
	secRefresh     = "sec-refresh-9q2w"
	secCookie      = "sec-cookie-4m8n"
	secQuery       = "sec-query-1x5v"
	secLinkSig     = "sec-linksig-6b0c"
	secLocationSig = "sec-locsig-2z7y"
	secPassword    = "sec-password-8h4j"
	secClient      = "sec-client-3t6r"
	secBasicPass   = "sec-basicpass-5d1e"
	secAPIKey      = "sec-apikey-0p9o"
	secAuthToken   = "sec-authtoken-2l3k"
	secSubKey      = "sec-subkey-7u6i"
	secUserinfo    = "sec-userinfo-4y5t"
	secEchoed      = "sec-echoed-1r2e"
	secHTML        = "sec-html-9w8q"
	secBinary      = "sec-binary-3s4d"
	secCut         = "sec-cut-6f7g"
	secNested      = "sec-nested-0a1s"
	secFormRefresh = "sec-formrefresh-2x3c"
)

// jwtLike is shaped like an Entra token: header.payload.signature.
const jwtLike = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWMtand0LXBheWxvYWQifQ.c2lnbmF0dXJlLXNlYy1qd3Q"

var allSecrets = []string{secAccess, secRefresh, secCookie, secQuery, secLinkSig, secLocationSig, secPassword,
	secClient, secBasicPass, secAPIKey, secAuthToken, secSubKey, secUserinfo, secEchoed, secHTML, secBinary,
	secCut, secNested, secFormRefresh, jwtLike, "c2lnbmF0dXJlLXNlYy1qd3Q",
	base64.StdEncoding.EncodeToString([]byte("ci:" + secBasicPass))}

// secretServer answers like a token endpoint, a registry and a source that
// misbehave by echoing secrets back in every way they could.
func secretServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		switch r.URL.Path {
		case "/oauth2/token":
			if err := r.ParseForm(); err != nil || r.PostForm.Get("client_secret") != secClient || r.PostForm.Get("refresh_token") != secFormRefresh {
				t.Errorf("token endpoint got form %v, %v: the dump changed the body", r.PostForm, err)
			}
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Add("Set-Cookie", "fpc="+secCookie+"; path=/; secure; HttpOnly")
			h.Set("X-Request-Id", "req-visible-42")
			fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"access_token":%q,"refresh_token":%q,"id_token":%q}`, secAccess, secRefresh, jwtLike)
		case "/json":
			b, _ := io.ReadAll(r.Body)
			if !bytes.Contains(b, []byte(secNested)) {
				t.Errorf("/json got %s: the dump changed the body", b)
			}
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"echo %s"}],"typeKey":"GitPullRequestNotFoundException"}`, secEchoed)
		case "/v2/jarvis/tags/list":
			h.Set("Content-Type", "application/json")
			h.Set("Link", fmt.Sprintf(`</v2/jarvis/tags/list?last=PR1&n=2&sig=%s>; rel="next"`, secLinkSig))
			fmt.Fprint(w, `{"name":"jarvis","tags":["PR0","PR1"]}`)
		case "/redirect":
			h.Set("Location", "https://blob.example.test/c/b?se=2030&sig="+secLocationSig)
			w.WriteHeader(http.StatusTemporaryRedirect)
		case "/html":
			h.Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<html>Authorization: Bearer %s; password=%s</html>", secHTML, secPassword)
		case "/blob":
			h.Set("Content-Type", "application/octet-stream")
			fmt.Fprint(w, secBinary)
		case "/big":
			h.Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","pad":"%s","refresh_token":"%s"}`, secCut, strings.Repeat("x", 5000), secRefresh)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDumpRedactsSecrets(t *testing.T) {
	srv := secretServer(t)
	var out bytes.Buffer
	c := &http.Client{
		Transport:     NewDump(nil, &out, DumpScrub(secEchoed)),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	do := func(method, target, contentType, body string, header ...string) string {
		t.Helper()
		if !strings.HasPrefix(target, "http") {
			target = srv.URL + target
		}
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body == "" {
			req.Body = http.NoBody
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Add(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, target, err)
		}
		return string(b)
	}

	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"visible-client-id"}, "client_secret": {secClient},
		"refresh_token": {secFormRefresh}, "client_assertion": {jwtLike}, "password": {secPassword}}
	tokenBody := do(http.MethodPost, "/oauth2/token", "application/x-www-form-urlencoded", form.Encode(),
		"Authorization", "Bearer "+jwtLike, "Cookie", "sid="+secCookie, "X-Api-Key", secAPIKey,
		"X-Auth-Token", secAuthToken, "Ocp-Apim-Subscription-Key", secSubKey,
		"Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+secBasicPass)))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(tokenBody), &tok); err != nil || tok.AccessToken != secAccess {
		t.Errorf("the client got %q (%v): the dump changed the response", tokenBody, err)
	}
	do(http.MethodPost, "/json", "application/json",
		fmt.Sprintf(`{"username":"visible-user","password":%q,"client_secret":%q,"client_assertion":%q,"nested":{"auth":{"token":%q}},"list":[{"refreshToken":%q}]}`,
			secPassword, secClient, jwtLike, secNested, secRefresh))
	do(http.MethodGet, "/v2/jarvis/tags/list?n=2&access_token="+secQuery, "", "")
	u, _ := url.Parse(srv.URL + "/redirect")
	u.User = url.UserPassword("ci", secUserinfo)
	do(http.MethodGet, u.String(), "", "")
	if got := do(http.MethodGet, "/html", "", ""); !strings.Contains(got, secHTML) {
		t.Errorf("the client got %q", got)
	}
	do(http.MethodGet, "/blob", "", "")
	if got := do(http.MethodGet, "/big", "", ""); !strings.Contains(got, secRefresh) {
		t.Errorf("a body over the limit reached the client cut: %d bytes", len(got))
	}

	dump := out.String()
	for _, s := range allSecrets {
		if strings.Contains(dump, s) {
			t.Errorf("the dump shows the secret %q", s)
		}
	}
	for _, want := range []string{
		"--> #1 POST " + srv.URL + "/oauth2/token", "<-- #1 200 OK", "Authorization: ***", "Proxy-Authorization: ***",
		"Cookie: ***", "Set-Cookie: ***", "X-Api-Key: ***", "X-Auth-Token: ***", "Ocp-Apim-Subscription-Key: ***",
		"X-Request-Id: req-visible-42", "client_id=visible-client-id", "client_secret=***", `"expires_in":3599`,
		`"username":"visible-user"`, `"token_type":"Bearer"`, `"code":"MANIFEST_UNKNOWN"`, `"typeKey":"GitPullRequestNotFoundException"`, "echo ***",
		"/v2/jarvis/tags/list?n=2&access_token=***", "last=PR1&n=2&sig=***", "<-- #4 307 Temporary Redirect",
		"Location: https://blob.example.test/c/b?se=2030&sig=***", "Bearer ***", "password=***",
		fmt.Sprintf("[body: application/octet-stream, %d bytes, not shown]", len(secBinary)), `{"access_token":"***"`, "[body cut at 4096 bytes",
	} {
		if !strings.Contains(dump, want) {
			t.Errorf("the dump lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("dump:\n%s", dump)
	}
}

// The dump sits under the retry layer: each attempt is shown, and each carries
// the whole body.
func TestDumpUnderRetry(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		first := len(bodies) == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	sr := &sleepRecorder{}
	c := &http.Client{Transport: NewRetry(NewDump(nil, &out), WithSleep(sr.sleep))}
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader(`{"password":"`+secPassword+`","n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"password":"` + secPassword + `","n":1}`
	if string(b) != "ok" || len(bodies) != 2 || bodies[0] != want || bodies[1] != want {
		t.Errorf("got %q, server bodies %q; want ok and the whole body twice", b, bodies)
	}
	dump := out.String()
	for _, w := range []string{"--> #1 POST", "<-- #1 503 Service Unavailable", "--> #2 POST", "<-- #2 200 OK", `{"n":1,"password":"***"}`} {
		if !strings.Contains(dump, w) {
			t.Errorf("the dump lacks %q:\n%s", w, dump)
		}
	}
	if strings.Contains(dump, secPassword) {
		t.Errorf("the dump shows the password:\n%s", dump)
	}
}

// A body that breaks off reaches the caller with its error, and the dump says so.
func TestDumpBrokenBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"tags":[`)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		conn, _, err := rc.Hijack()
		if err != nil {
			t.Errorf("hijacking: %v", err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	resp, err := (&http.Client{Transport: NewDump(nil, &out)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(b) != `{"tags":[` {
		t.Errorf("read %q, %v; want the 9 bytes sent and io.ErrUnexpectedEOF", b, err)
	}
	if !strings.Contains(out.String(), "[reading the body failed after 9 bytes") {
		t.Errorf("the dump does not say the body broke off:\n%s", out.String())
	}
}

type errTransport struct{ err error }

func (e errTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, e.err
}

func TestDumpTransportErrorAndHead(t *testing.T) {
	var out bytes.Buffer
	boom := errors.New("dialing with " + secEchoed + ": refused")
	req, _ := http.NewRequest(http.MethodHead, "https://registry.example.test/v2/jarvis/manifests/PR1", nil)
	_, err := NewDump(errTransport{boom}, &out, DumpScrub(secEchoed)).RoundTrip(req)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the transport's", err)
	}
	if got := out.String(); !strings.Contains(got, "<-- #1 error: dialing with ***: refused") || strings.Contains(got, secEchoed) {
		t.Errorf("dump:\n%s", got)
	}
}

// Concurrent exchanges are written whole, one block at a time.
func TestDumpConcurrent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "line one\nline two")
	}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	c := &http.Client{Transport: NewDump(nil, &out)}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp, err := c.Get(srv.URL + "/x")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	dump := out.String()
	if n := strings.Count(dump, "\nline one\nline two\n"); n != 20 {
		t.Errorf("%d whole bodies in the dump, want 20:\n%s", n, dump)
	}
	if a, b := strings.Count(dump, "--> #"), strings.Count(dump, "<-- #"); a != 20 || b != 20 {
		t.Errorf("%d requests and %d responses dumped, want 20 each", a, b)
	}
}
