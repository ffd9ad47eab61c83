package sweep_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// afterDelete serves srv through a proxy that calls moved once, right after the
// registry answered the first DELETE of path, before prsweep hears the answer.
func afterDelete(t *testing.T, srv *registrytest.Server, path string, moved func()) string {
	t.Helper()
	var once atomic.Bool
	return registrytest.StartProxy(t, srv, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodDelete || r.URL.Path != path || !once.CompareAndSwap(false, true) {
				next.ServeHTTP(w, r)
				return
			}
			answerThen(next, w, r, moved)
		})
	}).Host()
}

// afterConfirmation calls act once, right after the registry answered the first
// request for listing (the wave's confirmation) that follows a DELETE of any of
// paths, before prsweep hears the answer.
func afterConfirmation(paths []string, listing string, act func()) func(http.Handler) http.Handler {
	var deleted, done atomic.Bool
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodDelete && slices.Contains(paths, r.URL.Path):
				next.ServeHTTP(w, r)
				deleted.Store(true)
			case r.Method != http.MethodGet || r.URL.Path != listing || !deleted.Load() || !done.CompareAndSwap(false, true):
				next.ServeHTTP(w, r)
			default:
				answerThen(next, w, r, act)
			}
		})
	}
}

// answerThen has next answer r, calls act, and only then passes the answer on: act
// happens between the registry's answer and prsweep's hearing of it.
func answerThen(next http.Handler, w http.ResponseWriter, r *http.Request, act func()) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	act()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
