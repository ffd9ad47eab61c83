package github

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
	gh "github.com/google/go-github/v84/github"

	"github.com/prsweep/prsweep/internal/scm"
)

// Auth says how the client signs in: with Token (a fine-grained or classic
// personal access token, or GITHUB_TOKEN in Actions), or as a GitHub App
// installation (AppID, InstallationID and the app's PrivateKey in PEM). Set one.
type Auth struct {
	Token          string
	AppID          int64
	InstallationID int64
	PrivateKey     []byte // PEM, PKCS#1 ("RSA PRIVATE KEY", what GitHub hands out) or PKCS#8
}

const (
	// jwtLifetime: GitHub refuses an app JWT that expires more than 10 minutes
	// after it was issued; iat is set a minute back for clock drift, as GitHub advises.
	jwtLifetime = 9 * time.Minute
	jwtBackdate = time.Minute
	// refreshBefore: an installation token (valid an hour) is replaced this long
	// before it expires, so no request carries one that expires on the way.
	refreshBefore = 5 * time.Minute
)

// tokenSource gives the token a request carries.
type tokenSource interface {
	token(ctx context.Context) (string, error)
}

type staticToken string

func (t staticToken) token(context.Context) (string, error) { return string(t), nil }

// appTokens exchanges a JWT signed with the app's key for an installation token
// (POST /app/installations/{id}/access_tokens) and keeps it until near expiry.
type appTokens struct {
	appID, installationID int64
	key                   *rsa.PrivateKey
	api                   *gh.Client // without the installation token's layer
	now                   func() time.Time

	mu      sync.Mutex // held during an exchange: concurrent requests wait for one
	current string
	expires time.Time
}

func newAppTokens(a Auth, api *gh.Client, now func() time.Time) (*appTokens, error) {
	if a.AppID <= 0 || a.InstallationID <= 0 {
		return nil, errors.New("a github app needs a positive app id and installation id")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(a.PrivateKey)
	if err != nil {
		// The parser's message may quote the key; say only what is wrong.
		return nil, errors.New("reading the github app's private key: not an RSA private key in PEM")
	}
	return &appTokens{appID: a.AppID, installationID: a.InstallationID, key: key, api: api, now: now}, nil
}

func (a *appTokens) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.current != "" && now.Before(a.expires.Add(-refreshBefore)) {
		return a.current, nil
	}
	signed, err := a.sign(now)
	if err != nil {
		return "", err
	}
	it, _, err := a.api.WithAuthToken(signed).Apps.CreateInstallationToken(ctx, a.installationID, nil)
	if err != nil {
		return "", fmt.Errorf("getting a token for installation %d of github app %d: %w", a.installationID, a.appID, tokenError(err))
	}
	tok, exp := it.GetToken(), it.GetExpiresAt().Time
	if tok == "" || exp.IsZero() || strings.ContainsFunc(tok, unicode.IsSpace) {
		return "", fmt.Errorf("getting a token for installation %d of github app %d: no token or expiry in the answer: %w",
			a.installationID, a.appID, scm.ErrUnexpected)
	}
	a.current, a.expires = tok, exp
	return tok, nil
}

func (a *appTokens) sign(now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(a.appID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("signing the github app's JWT: %w", err)
	}
	return s, nil
}

// tokenError says what a refused exchange means.
func tokenError(err error) error {
	if er, ok := errors.AsType[*gh.ErrorResponse](err); ok && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusUnauthorized:
			return fmt.Errorf("status 401 (%s): the app id or private key is wrong: %w", scm.OneLine(er.Message, 200), scm.ErrUnauthorized)
		case http.StatusForbidden, http.StatusNotFound:
			return fmt.Errorf("status %d (%s): the app is not installed there, or the installation is suspended: %w",
				er.Response.StatusCode, scm.OneLine(er.Message, 200), scm.ErrUnauthorized)
		}
	}
	return describe(err)
}

// authorize sets the Authorization header on requests to the API's host only.
type authorize struct {
	host string
	src  tokenSource
	next http.RoundTripper
}

func (a *authorize) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Host, a.host) {
		return a.next.RoundTrip(req)
	}
	tok, err := a.src.token(req.Context())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return a.next.RoundTrip(r)
}
