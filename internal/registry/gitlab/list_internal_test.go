package gitlab

import (
	"net/http"
	"net/url"
	"testing"
)

func TestNextPage(t *testing.T) {
	c := &Client{api: &url.URL{Scheme: "https", Host: "gitlab.internal:8443", Path: "/api/v4"}}
	u, _ := url.Parse("https://gitlab.internal:8443/api/v4/projects/1/registry/repositories/2/tags?per_page=100")
	for _, tt := range []struct {
		name   string
		header http.Header
		want   string
	}{
		{"keyset Link on the external URL", http.Header{"Link": {`<https://gitlab.example.com/api/v4/projects/1/registry/repositories/2/tags?last=b&per_page=100>; rel="next"`}},
			"https://gitlab.internal:8443/api/v4/projects/1/registry/repositories/2/tags?last=b&per_page=100"},
		{"next among others", http.Header{"Link": {`<https://gitlab.internal:8443/x?page=1>; rel="first", <https://gitlab.internal:8443/x?page=3>; rel="next"`}},
			"https://gitlab.internal:8443/x?page=3"},
		{"X-Next-Page only", http.Header{"X-Next-Page": {"4"}},
			"https://gitlab.internal:8443/api/v4/projects/1/registry/repositories/2/tags?page=4&per_page=100"},
		{"last page", http.Header{"X-Next-Page": {""}, "Link": {`<https://gitlab.internal:8443/x?page=1>; rel="first"`}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next, err := c.next(u, &http.Response{Header: tt.header})
			got := ""
			if next != nil {
				got = next.String()
			}
			if err != nil || got != tt.want {
				t.Errorf("next %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
