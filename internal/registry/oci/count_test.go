package oci

import (
	"net/http"
	"strings"
	"sync"
)

// counter is a base transport that counts the requests answered by the registry,
// by "METHOD kind" (GET ping, HEAD manifest, DELETE manifest, …) and by status.
type counter struct {
	next http.RoundTripper

	mu     sync.Mutex
	kinds  map[string]int
	status map[int]int
	urls   []string // "METHOD path?query", in order
}

func newCounter() *counter {
	return &counter{next: http.DefaultTransport, kinds: map[string]int{}, status: map[int]int{}}
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		// go-containerregistry pings an http registry over https and http at once;
		// the https attempt fails without reaching it.
		c.urls = append(c.urls, r.Method+" "+r.URL.String()+" (failed)")
		return resp, err
	}
	c.kinds[r.Method+" "+kindOf(r.URL.Path)]++
	c.urls = append(c.urls, r.Method+" "+r.URL.RequestURI())
	c.status[resp.StatusCode]++
	return resp, err
}

// n returns how many requests of a kind ("GET ping") were sent; "" counts all.
func (c *counter) n(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind == "" {
		return len(c.urls)
	}
	return c.kinds[kind]
}

func (c *counter) answered(status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status[status]
}

func (c *counter) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.urls...)
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds, c.status, c.urls = map[string]int{}, map[int]int{}, nil
}

func kindOf(p string) string {
	switch {
	case p == "/v2/":
		return "ping"
	case p == "/token":
		return "token"
	case p == "/v2/_catalog":
		return "catalog"
	case strings.HasSuffix(p, "/tags/list"):
		return "tags"
	case strings.Contains(p, "/manifests/"):
		return "manifest"
	case strings.Contains(p, "/blobs/"):
		return "blob"
	case strings.Contains(p, "/referrers/"):
		return "referrers"
	}
	return "other"
}
