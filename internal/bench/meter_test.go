package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(Quota{ReadsPerMinute: 60, WritesPerMinute: 120, Burst: 2 * time.Second}, func() time.Time { return now })
	for i := range 2 {
		if ok, _ := l.admit(http.MethodGet); !ok {
			t.Fatalf("read %d within the burst refused", i+1)
		}
	}
	if ok, wait := l.admit(http.MethodHead); ok || wait != time.Second {
		t.Fatalf("third read: ok %v, wait %s; want refused, 1s", ok, wait)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, wait := l.admit(http.MethodGet); ok || wait != 500*time.Millisecond {
		t.Fatalf("half a token later: ok %v, wait %s; want refused, 500ms", ok, wait)
	}
	for i := range 4 { // writes have their own bucket: 2/s for 2s
		if ok, _ := l.admit(http.MethodDelete); !ok {
			t.Fatalf("write %d refused", i+1)
		}
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.admit(http.MethodGet); !ok {
		t.Fatal("a read a second after the bucket ran dry was refused")
	}
	if got := []int{retryAfterSeconds(0), retryAfterSeconds(500 * time.Millisecond), retryAfterSeconds(1200 * time.Millisecond)}; got[0] != 1 || got[1] != 1 || got[2] != 2 {
		t.Errorf("Retry-After seconds = %v, want [1 1 2]", got)
	}
}

// The meter answers 429 with Retry-After once the quota is spent, lets sign-in
// through, and counts every request by kind.
func TestMeter(t *testing.T) {
	m := newMeter(0, Quota{ReadsPerMinute: 60}, registryKind)
	m.exempt = signIn
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := m.Wrap(upstream)
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	if w := serve(http.MethodGet, "/v2/r/tags/list"); w.Code != http.StatusOK {
		t.Fatalf("first read: %d", w.Code)
	}
	w := serve(http.MethodHead, "/v2/r/manifests/t")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("second read: %d, Retry-After %q; want 429, 1", w.Code, w.Header().Get("Retry-After"))
	}
	if w := serve(http.MethodPost, "/oauth2/token"); w.Code != http.StatusOK {
		t.Errorf("sign-in was throttled: %d", w.Code)
	}
	c := m.Snapshot()
	want := map[string]int{KindTagsList: 1, KindManifestHead: 1, KindToken: 1}
	for k, n := range want {
		if c.ByKind[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, c.ByKind[k], n, c.ByKind)
		}
	}
	if c.Total != 3 || c.Throttled != 1 {
		t.Errorf("total %d, throttled %d; want 3 and 1", c.Total, c.Throttled)
	}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v2/", KindPing},
		{"GET", "/v2/_catalog", KindCatalog},
		{"GET", "/v2/team/app/tags/list", KindTagsList},
		{"HEAD", "/v2/team/app/manifests/PR1-a", KindManifestHead},
		{"DELETE", "/v2/app/manifests/sha256:ab", KindManifestDelete},
		{"PUT", "/v2/app/manifests/t", KindManifestPut},
		{"POST", "/v2/app/blobs/uploads/", KindBlob},
		{"GET", "/v2/app/referrers/sha256:ab", KindReferrers},
		{"POST", "/oauth2/exchange", KindToken},
		{"GET", "/acr/v1/_catalog", KindCatalog},
		{"GET", "/acr/v1/team/app", KindACRRepository},
		{"GET", "/acr/v1/team/app/_tags", KindTagsList},
		{"GET", "/acr/v1/app/_tags/PR1-a", KindACRTagGet},
		{"DELETE", "/acr/v1/app/_tags/PR1-a", KindACRTagDelete},
		{"GET", "/acr/v1/app/_manifests", KindACRManifests},
		{"GET", "/acr/v1/app/_manifests/sha256:ab", KindACRManifestGet},
	} {
		if got := registryKind(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
	if got := sourceKind(httptest.NewRequest("GET", "/contoso/Jarvis/_apis/git/pullrequests/12?api-version=7.1", nil)); got != KindPR {
		t.Errorf("a PR read is %q", got)
	}
}
