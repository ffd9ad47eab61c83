package registrytest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := registrytest.StartV3(t, registrytest.WithBasicAuth("ci", "s3cret"))
	if user, pass, ok := s.BasicAuth(); !ok || user != "ci" || pass != "s3cret" {
		t.Fatalf("BasicAuth() = %q, %q, %v", user, pass, ok)
	}

	for _, tt := range []struct {
		name       string
		user, pass string
		want       int
	}{
		{"none", "", "", http.StatusUnauthorized},
		{"wrong password", "ci", "nope", http.StatusUnauthorized},
		{"right", "ci", "s3cret", http.StatusOK},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/v2/", nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: GET /v2/ = %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
		if want := `Basic realm="prsweep-registrytest"`; tt.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") != want {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tt.name, resp.Header.Get("WWW-Authenticate"), want)
		}
	}

	images := registrytest.ClassicSet()[:2]
	if _, err := registrytest.Seed(ctx, s.Host(), images); err == nil {
		t.Error("anonymous Seed succeeded against a registry that requires basic auth")
	}
	seeded := registrytest.MustSeed(t, s, images) // uses the server's credentials
	if got := headDigest(t, s, "jarvis", "PR3571-test"); got != seeded["jarvis:PR3571-test"] {
		t.Errorf("HEAD jarvis:PR3571-test = %s, want %s", got, seeded["jarvis:PR3571-test"])
	}

	if _, err := registrytest.NewDistribution28(ctx, t.TempDir(), registrytest.WithBasicAuth("ci", "s3cret")); err == nil {
		t.Error("NewDistribution28 accepted WithBasicAuth")
	}
}
