package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/prsweep/prsweep/internal/config"
)

// verifier checks a webhook's credentials. It keeps only SHA-256 digests of the
// expected values, and compares digests in constant time, so neither the
// comparison's time nor its length check says anything about the secret.
type verifier struct {
	basic      bool
	header     string            // the header that carries the secret, when not basic
	user, pass [sha256.Size]byte // basic
	secret     [sha256.Size]byte // header
}

func newVerifier(a config.WebhookAuth) *verifier {
	if a.Basic() {
		return &verifier{basic: true, user: sha256.Sum256([]byte(a.Username)), pass: sha256.Sum256([]byte(a.Password.Reveal()))}
	}
	return &verifier{header: a.Header, secret: sha256.Sum256([]byte(a.Secret.Reveal()))}
}

// ok reports whether r carries the configured credentials.
func (v *verifier) ok(r *http.Request) bool {
	if v.basic {
		user, pass, found := r.BasicAuth()
		// & rather than &&: both compares always run.
		return found && same(user, v.user)&same(pass, v.pass) == 1
	}
	got := r.Header.Values(v.header)
	return len(got) == 1 && got[0] != "" && same(got[0], v.secret) == 1
}

// challenge is the WWW-Authenticate header of a 401, empty for a secret header.
func (v *verifier) challenge() string {
	if v.basic {
		return `Basic realm="prsweep", charset="UTF-8"`
	}
	return ""
}

func same(got string, want [sha256.Size]byte) int {
	h := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(h[:], want[:])
}
