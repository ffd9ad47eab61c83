package scmtest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	ghJWTUndecodable = `{"message":"A JSON web token could not be decoded","documentation_url":"https://docs.github.com/rest","status":"401"}`
	ghJWTExpiry      = `{"message":"'Expiration time' claim ('exp') is too far in the future","documentation_url":"https://docs.github.com/rest","status":"401"}`
	ghNoInstallation = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app","status":"404"}`
	// ghTokenLifetime is how long an installation token is valid.
	ghTokenLifetime = time.Hour
	// ghMaxJWT is the longest an app's JWT may live (exp - now).
	ghMaxJWT = 10 * time.Minute
)

// IssuedTokens returns how many installation tokens the fake has issued.
func (g *GitHub) IssuedTokens() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.issued
}

// serveAccessToken answers POST /app/installations/{id}/access_tokens: the app
// signs in with an RS256 JWT whose iss is its id, and gets a token for one hour.
func (g *GitHub) serveAccessToken(w http.ResponseWriter, r *http.Request, idText string, endpoint bool) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if !endpoint || err != nil || id < 1 {
		g.unknown(w, r, "not an installation's access_tokens endpoint")
		return
	}
	if body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16)); len(body) > 0 && !json.Valid(body) {
		g.errorf("github fake: access_tokens with a body that is not JSON")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests["POST access_tokens"]++
	g.rateHeaders(w, "core")
	if fault := g.nextFault("*", "core"); fault != nil {
		fault(w)
		return
	}
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		ghWrite(w, http.StatusUnauthorized, ghJWTUndecodable)
		return
	}
	app, err := g.verifyJWT(raw)
	switch {
	case errors.Is(err, errJWTLifetime):
		ghWrite(w, http.StatusUnauthorized, ghJWTExpiry)
		return
	case err != nil:
		ghWrite(w, http.StatusUnauthorized, ghJWTUndecodable)
		return
	case !app.installations[id]:
		ghWrite(w, http.StatusNotFound, ghNoInstallation)
		return
	}
	g.issued++
	tok := "ghs_" + randomAlnum(36)
	exp := g.now().Add(ghTokenLifetime).UTC().Truncate(time.Second)
	g.tokens[tok] = exp
	b, _ := json.Marshal(map[string]any{
		"token": tok, "expires_at": exp.Format(time.RFC3339),
		"permissions":          map[string]string{"pull_requests": "read", "metadata": "read"},
		"repository_selection": "all",
	})
	ghWrite(w, http.StatusCreated, string(b))
}

var errJWTLifetime = errors.New("jwt lives longer than ten minutes")

// verifyJWT checks an app's JWT: RS256, signed by the key of the app its iss
// names, issued in the past, expiring in the future but within ten minutes. g.mu
// is held.
func (g *GitHub) verifyJWT(raw string) (*ghApp, error) {
	var app *ghApp
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		id, err := strconv.ParseInt(iss, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("iss %q is not an app id", iss)
		}
		if app = g.apps[id]; app == nil {
			return nil, fmt.Errorf("no app %d", id)
		}
		return app.key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(g.now), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(g.now()) > ghMaxJWT {
		return nil, errJWTLifetime
	}
	return app, nil
}

func randomAlnum(n int) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		b[i] = letters[k.Int64()]
	}
	return string(b)
}
