package azuredevops_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prsweep/prsweep/internal/scm"
	"github.com/prsweep/prsweep/internal/scm/azuredevops"
)

func TestAuthorizationScheme(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		tokenType  azuredevops.TokenType
		wantScheme string
	}{
		{"auto, PAT", pat, azuredevops.Auto, "Basic"},
		{"auto, pipeline JWT", jwt(), azuredevops.Auto, "Bearer"},
		{"forced PAT on a JWT", jwt(), azuredevops.PAT, "Basic"},
		{"forced Bearer on an opaque token", pat, azuredevops.Bearer, "Bearer"},
		{"auto, dotted but not a JWT", "abc.def.ghi", azuredevops.Auto, "Basic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.token, "", azuredevops.WithTokenType(tt.tokenType))
			h.fake.SetPR(42, "completed", time.Now())
			got, err := h.state(t, "42")
			if err != nil || got.State != scm.Merged {
				t.Fatalf("State = %+v, %v; want merged", got, err)
			}
			if diff := cmp.Diff([]string{tt.wantScheme}, h.fake.AuthSchemes(42)); diff != "" {
				t.Errorf("Authorization schemes (-want +got):\n%s", diff)
			}
			assertNoSecret(t, tt.token, h.logs.String())
		})
	}
}

func TestWrongCredentialGetsTheSignInPage(t *testing.T) {
	tests := []struct{ name, clientToken string }{
		{"wrong PAT", "wrongwrongwrongwrongwrongwrongwrongwrongwrongwrong12"},
		{"expired JWT", jwt()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, pat, tt.clientToken)
			h.fake.SetPR(42, "completed", time.Now())
			got, err := h.state(t, "42")
			if got.State != scm.Unknown || !errors.Is(err, scm.ErrUnauthorized) {
				t.Fatalf("State = %+v, %v; want unknown and ErrUnauthorized", got, err)
			}
			assertNoSecret(t, tt.clientToken, err.Error(), got.Error, h.logs.String())
		})
	}
}
