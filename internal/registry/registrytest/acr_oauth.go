package registrytest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// acrGrant is what an ACR refresh or access token stands for.
type acrGrant struct {
	identity   string
	access     []acrAccess // access tokens: what the token allows
	exp        time.Time
	generation int
}

// acrAccess is one entry of an ACR access token's access claim.
type acrAccess struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// mintJWT makes a JWT-shaped token with claims (not verifiable: the fake knows its
// tokens by value). The SDK reads a refresh token's exp by decoding the payload with
// base64.StdEncoding, which fails on the URL alphabet's - and _; real ACR tokens
// are base64url, so the payload is padded until it encodes without them.
func mintJWT(claims map[string]any) string {
	claims["jti"] = randomID()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	var payload string
	for pad := ""; ; pad += " " {
		claims["pad"] = pad
		b, _ := json.Marshal(claims)
		payload = base64.RawURLEncoding.EncodeToString(b)
		if !strings.ContainsAny(payload, "-_") {
			break
		}
	}
	return header + "." + payload + "." + randomID()
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// exchange: POST /oauth2/exchange, grant_type=access_token&service&access_token
// (an Entra token) → {"refresh_token": …}.
func (a *ACR) exchange(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		a.unknown(w, r)
		return
	}
	if r.PostForm.Get("grant_type") != "access_token" || r.PostForm.Get("service") != a.Host() {
		acrJSONError(w, http.StatusBadRequest, "UNSUPPORTED", "unsupported grant type or service")
		return
	}
	a.mu.Lock()
	identity, ok := a.entra[r.PostForm.Get("access_token")]
	a.mu.Unlock()
	if !ok {
		acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the Entra ID access token is not valid")
		return
	}
	exp := a.now().Add(a.ref)
	tok := mintJWT(map[string]any{"sub": identity, "aud": a.Host(), "iss": "Azure Container Registry",
		"exp": exp.Unix(), "iat": a.now().Unix(), "grant_type": "refresh_token", "version": "1.0"})
	a.mu.Lock()
	a.refresh[tok] = acrGrant{identity: identity, exp: exp}
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"refresh_token": tok})
}

// token: POST /oauth2/token with grant_type=refresh_token&service&scope&refresh_token,
// or GET /oauth2/token?service&scope with basic credentials → {"access_token": …}.
func (a *ACR) token(w http.ResponseWriter, r *http.Request) {
	var identity string
	var scopes []string
	switch r.Method {
	case http.MethodPost:
		if r.ParseForm() != nil || r.PostForm.Get("service") != a.Host() {
			acrJSONError(w, http.StatusBadRequest, "UNSUPPORTED", "bad token request")
			return
		}
		scopes = r.PostForm["scope"]
		a.mu.Lock()
		g, ok := a.refresh[r.PostForm.Get("refresh_token")]
		a.mu.Unlock()
		if r.PostForm.Get("grant_type") != "refresh_token" || !ok || !a.now().Before(g.exp) {
			acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the refresh token is not valid")
			return
		}
		identity = g.identity
	case http.MethodGet:
		user, pass, ok := r.BasicAuth()
		a.mu.Lock()
		id, known := a.identities["basic:"+user]
		a.mu.Unlock()
		if !ok || !known || id.secret != pass || r.URL.Query().Get("service") != a.Host() {
			acrJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the username or password is wrong")
			return
		}
		identity, scopes = "basic:"+user, r.URL.Query()["scope"]
	default:
		a.unknown(w, r)
		return
	}
	access := a.grant(identity, scopes)
	exp := a.now().Add(a.access)
	tok := mintJWT(map[string]any{"sub": identity, "aud": a.Host(), "iss": "Azure Container Registry",
		"exp": exp.Unix(), "iat": a.now().Unix(), "access": access, "grant_type": "access_token", "version": "1.0"})
	a.mu.Lock()
	a.tokens[tok] = acrGrant{identity: identity, access: access, exp: exp, generation: a.generation}
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
}

// grant returns the part of the asked scopes the identity's role allows. Like ACR,
// it answers with a token even when nothing is allowed: the request then fails.
func (a *ACR) grant(identity string, scopes []string) []acrAccess {
	a.mu.Lock()
	var role ACRRole
	if id, ok := a.identities[identity]; ok {
		role = slices.Clone(id.role)
	}
	a.mu.Unlock()
	access := []acrAccess{}
	for _, s := range strings.Fields(strings.Join(scopes, " ")) {
		parts := strings.Split(s, ":")
		if len(parts) < 3 {
			continue
		}
		typ, name, actions := parts[0], strings.Join(parts[1:len(parts)-1], ":"), parts[len(parts)-1]
		var allowed []string
		switch {
		case typ == "registry" && name == "catalog" && slices.Contains(role, "catalog"):
			allowed = []string{"*"}
		case typ == "repository":
			for _, act := range strings.Split(actions, ",") {
				if slices.Contains(role, act) {
					allowed = append(allowed, act)
				}
			}
		}
		access = append(access, acrAccess{Type: typ, Name: name, Actions: allowed})
	}
	return access
}

// authorize checks the request's access token against what it needs: typ:name:action.
// It answers 401 with a Bearer challenge and returns false when it falls short.
func (a *ACR) authorize(w http.ResponseWriter, r *http.Request, typ, name, action string) bool {
	scope := typ + ":" + name + ":" + action
	tok, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	g, ok := a.tokens[tok]
	live := ok && a.now().Before(g.exp) && g.generation == a.generation
	a.mu.Unlock()
	if live {
		for _, acc := range g.access {
			if acc.Type == typ && acc.Name == name && (slices.Contains(acc.Actions, action) || slices.Contains(acc.Actions, "*")) {
				return true
			}
		}
	}
	challenge := fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s",scope="%s"`, a.Host(), a.Host(), scope)
	if bearer && !live {
		challenge += `,error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]any{{
		"code":    "UNAUTHORIZED",
		"message": "authentication required, visit https://aka.ms/acr/authorization for more information.",
		"detail":  []map[string]string{{"Type": typ, "Name": name, "Action": action}},
	}}})
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// acrJSONError answers ACR's error body, {"errors":[{"code":…,"message":…}]}.
func acrJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}
