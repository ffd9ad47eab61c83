package scmtest_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/scm/scmtest"
)

type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func glGet(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestGitLabFakeAnswersAsDocumented(t *testing.T) {
	rec := &recorder{}
	f := scmtest.ServeGitLab(rec.errorf, "tok")
	defer f.Close()
	f.SetMR("g/sub/app", 1, "merged", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetMR("g/sub/app", 2, "opened", time.Time{})
	api := f.URL() + "/api/v4/projects/"
	tests := []struct {
		name, path string
		header     []string
		code       int
		body       string
	}{
		{"single", "g%2Fsub%2Fapp/merge_requests/1", []string{"PRIVATE-TOKEN", "tok"}, 200, `"merged_at":"2026-01-02T03:04:05.000Z"`},
		{"no such MR", "g%2Fsub%2Fapp/merge_requests/3", []string{"PRIVATE-TOKEN", "tok"}, 404, scmtest.GitLabNotFound},
		{"no such project", "g%2Fnope/merge_requests/1", []string{"PRIVATE-TOKEN", "tok"}, 404, scmtest.GitLabProjectNotFound},
		{"anonymous", "g%2Fsub%2Fapp/merge_requests/1", nil, 404, scmtest.GitLabProjectNotFound},
		{"wrong token", "g%2Fsub%2Fapp/merge_requests/1", []string{"PRIVATE-TOKEN", "nope"}, 401, scmtest.GitLabUnauthorized},
		{"by id", "1000", []string{"PRIVATE-TOKEN", "tok"}, 200, `"path_with_namespace":"g/sub/app"`},
		{"list", "1000/merge_requests?state=all&per_page=1&iids[]=1&iids[]=2", []string{"PRIVATE-TOKEN", "tok"}, 200, `"iid":2`},
	}
	for _, tt := range tests {
		code, _, body := glGet(t, api+tt.path, tt.header...)
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%s: %d %s; want %d with %s", tt.name, code, body, tt.code, tt.body)
		}
	}
	_, h, _ := glGet(t, api+"1000/merge_requests?state=all&per_page=1&iids[]=1&iids[]=2", "PRIVATE-TOKEN", "tok")
	if h.Get("X-Total") != "2" || h.Get("X-Total-Pages") != "2" || h.Get("X-Next-Page") != "2" || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("pagination headers %v", h)
	}
	if len(rec.errs) != 0 {
		t.Errorf("documented requests refused: %v", rec.errs)
	}
	for _, p := range []string{"g/sub/app/merge_requests/1", "1000/merge_requests?scope=all", "1000/merge_requests/1?x=1", "1000/issues"} {
		before := len(rec.errs)
		glGet(t, api+p, "PRIVATE-TOKEN", "tok")
		if len(rec.errs) == before {
			t.Errorf("%s: the fake accepted a request it does not know", p)
		}
	}
}
