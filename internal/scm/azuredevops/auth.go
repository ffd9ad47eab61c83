package azuredevops

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// TokenType says how the token is sent.
type TokenType int

const (
	// Auto sends a token that looks like a JWT (a pipeline's System.AccessToken,
	// an Entra access token) as Bearer, and any other as a PAT.
	Auto TokenType = iota
	// PAT sends the token as a personal access token: Basic, empty user name.
	PAT
	// Bearer sends the token as an OAuth bearer token.
	Bearer
)

func (t TokenType) String() string {
	switch t {
	case Auto:
		return "auto"
	case PAT:
		return "pat"
	case Bearer:
		return "bearer"
	}
	return fmt.Sprintf("TokenType(%d)", int(t))
}

// authorization returns the Authorization header value for token.
func authorization(t TokenType, token string) string {
	if t == Bearer || (t == Auto && looksLikeJWT(token)) {
		return "Bearer " + token
	}
	// The empty user name is what Microsoft's own Go client sends with a PAT.
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+token))
}

// looksLikeJWT reports whether s is three dot-separated base64url parts whose
// first decodes to a JSON object (the JOSE header). PATs have no dots.
func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	var decoded [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil || len(b) == 0 {
			return false
		}
		decoded[i] = b
	}
	var header map[string]any
	return json.Unmarshal(decoded[0], &header) == nil && header != nil
}
