package acr

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prsweep/prsweep/internal/registry"
)

// basicTokens signs requests in with an ACR token or the admin user. It answers the
// registry's Bearer challenge itself with ACR's documented "token with basic auth"
// flow, GET /oauth2/token?service=…&scope=… with the credentials as HTTP basic
// auth, and keeps one access token per scope until a minute before it expires.
// The credentials go only to the registry's own host, over https.
type basicTokens struct {
	next       http.RoundTripper
	user, pass string
	now        func() time.Time

	mu     sync.Mutex
	scopes map[string]string     // request kind (method and path without its last part) → scope
	tokens map[string]basicToken // scope → access token
}

type basicToken struct {
	value string
	exp   time.Time // zero when the token does not say
}

func newBasicTokens(next http.RoundTripper, user, pass string) *basicTokens {
	return &basicTokens{next: next, user: user, pass: pass, now: time.Now,
		scopes: map[string]string{}, tokens: map[string]basicToken{}}
}

func (b *basicTokens) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.Path, "/oauth2/") {
		return b.next.RoundTrip(req)
	}
	kind := req.Method + " " + req.URL.EscapedPath()[:strings.LastIndex(req.URL.EscapedPath(), "/")+1]
	tried := b.cached(kind)
	resp, err := b.send(req, tried)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	realm, service, scope, ok := parseChallenge(resp.Header.Get("WWW-Authenticate"))
	if !ok {
		return resp, nil
	}
	drain(resp)
	tok, err := b.token(req.Context(), req.URL, realm, service, scope, tried)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.scopes[kind] = scope
	b.mu.Unlock()
	return b.send(req, tok)
}

// cached returns the live token last used for this kind of request, or "".
func (b *basicTokens) cached(kind string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.tokens[b.scopes[kind]]
	if !ok || b.expiring(t) {
		return ""
	}
	return t.value
}

func (b *basicTokens) expiring(t basicToken) bool {
	return !t.exp.IsZero() && b.now().Add(time.Minute).After(t.exp)
}

// send sends a copy of req with the bearer token, or with none.
func (b *basicTokens) send(req *http.Request, token string) (*http.Response, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	r.Header.Del("Authorization")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return b.next.RoundTrip(r)
}

// token returns an access token for scope: the cached one unless it is the one the
// registry just refused or about to expire, else a new one from the realm.
func (b *basicTokens) token(ctx context.Context, registryURL *url.URL, realm, service, scope, refused string) (string, error) {
	b.mu.Lock()
	t, ok := b.tokens[scope]
	b.mu.Unlock()
	if ok && t.value != refused && !b.expiring(t) {
		return t.value, nil
	}
	u, err := url.Parse(realm)
	if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Host, registryURL.Host) {
		return "", &tokenError{detail: "the registry's challenge names a realm that is not its own https endpoint; the credentials were not sent"}
	}
	q := u.Query()
	q.Set("service", service)
	q.Set("scope", scope)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(b.user, b.pass)
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		detail := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if code, msg := acrError(&http.Response{Body: io.NopCloser(strings.NewReader(string(body)))}); code != "" {
			detail += " " + code + ": " + msg
		}
		return "", &tokenError{status: resp.StatusCode, detail: detail}
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		Token       string `json:"token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || (tr.AccessToken == "" && tr.Token == "") {
		return "", &tokenError{detail: "the token endpoint sent no access token"}
	}
	t = basicToken{value: tr.AccessToken, exp: jwtExpiry(tr.AccessToken)}
	if t.value == "" {
		t.value = tr.Token
	}
	b.mu.Lock()
	b.tokens[scope] = t
	b.mu.Unlock()
	return t.value, nil
}

// tokenError is a refusal of the basic credentials by the token endpoint.
type tokenError struct {
	status int
	detail string
}

func (e *tokenError) Error() string {
	return "getting an ACR access token with the username and password: " + e.detail
}

func (e *tokenError) Unwrap() error {
	if e.status == http.StatusUnauthorized || e.status == http.StatusForbidden {
		return registry.ErrUnauthorized
	}
	return nil
}

// parseChallenge reads `Bearer realm="…",service="…",scope="…"`; values are quoted
// strings that may hold commas (repository:x:pull,delete).
func parseChallenge(h string) (realm, service, scope string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(h), "Bearer ")
	if !found {
		return "", "", "", false
	}
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		k, v, found := strings.Cut(rest, "=")
		if !found {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(v, `"`) {
			end := strings.Index(v[1:], `"`)
			if end < 0 {
				return "", "", "", false
			}
			params[k], rest = v[1:end+1], v[end+2:]
		} else {
			val, after, _ := strings.Cut(v, ",")
			params[k], rest = strings.TrimSpace(val), ","+after
		}
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
	}
	realm, service, scope = params["realm"], params["service"], params["scope"]
	return realm, service, scope, realm != "" && scope != ""
}

// jwtExpiry reads a JWT's exp claim; zero when it has none.
func jwtExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	seg := strings.TrimRight(parts[1], "=")
	payload, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		if payload, err = base64.RawStdEncoding.DecodeString(seg); err != nil {
			return time.Time{}
		}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0)
}

// drain reads a little of a response we discard, so its connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}
