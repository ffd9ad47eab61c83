package registrytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
)

// manifestTypes is the Accept of a HEAD that must see any manifest.
const manifestTypes = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

// NewUntagDeletesManifest starts a proxy in front of backend that deletes tags the way
// Azure Container Registry's /v2 API does (also behind a custom domain, as a connected
// registry or on Azure Stack): DELETE /v2/<repo>/manifests/<tag> deletes the manifest
// the tag points at, and with it every tag on it, answering 202; a tag that does not
// exist answers 404, as ACR does. Everything else passes through. Close stops it.
func NewUntagDeletesManifest(backend *Server) *Server {
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	client := &http.Client{}
	return startProxy(backend, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, ref, ok := manifestPath(r.URL.Path)
		if r.Method != http.MethodDelete || !ok || strings.Contains(ref, ":") {
			proxy.ServeHTTP(w, r)
			return
		}
		head, _ := http.NewRequestWithContext(r.Context(), http.MethodHead, backend.URL()+r.URL.Path, nil)
		head.Header.Set("Accept", manifestTypes)
		head.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err := client.Do(head)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = resp.Body.Close()
		digest := resp.Header.Get("Docker-Content-Digest")
		if resp.StatusCode != http.StatusOK || digest == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest tagged by %q is not found"}]}`, ref)
			return
		}
		del, _ := http.NewRequestWithContext(r.Context(), http.MethodDelete, backend.URL()+"/v2/"+repo+"/manifests/"+digest, nil)
		del.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err = client.Do(del)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
}

// NewCyclingLinks starts a proxy in front of backend whose tag and catalog listings
// never end: the last page of /v2/<repo>/tags/list (or /v2/_catalog) comes with a
// Link back to the first page. With newURLs the Link carries a new parameter each
// time (round=1, 2, …), so no URL repeats, only the pages do. Close stops it.
func NewCyclingLinks(backend *Server, newURLs bool) *Server {
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var round atomic.Int64
	proxy.ModifyResponse = func(resp *http.Response) error {
		p := resp.Request.URL.Path
		if resp.Request.Method != http.MethodGet || resp.Header.Get("Link") != "" ||
			!(strings.HasSuffix(p, "/tags/list") || p == "/v2/_catalog") {
			return nil
		}
		first := url.Values{}
		if n := resp.Request.URL.Query().Get("n"); n != "" {
			first.Set("n", n)
		}
		if newURLs {
			first.Set("round", fmt.Sprint(round.Add(1)))
		}
		resp.Header.Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, p, first.Encode()))
		return nil
	}
	return startProxy(backend, proxy)
}

// NewProxy starts a proxy in front of backend: wrap gets the handler that passes a
// request on to backend and returns the proxy's handler (which answers some requests
// itself, say). The proxy is a Server of backend's kind and credentials. Close stops it.
func NewProxy(backend *Server, wrap func(next http.Handler) http.Handler) *Server {
	target, _ := url.Parse(backend.URL())
	return startProxy(backend, wrap(httputil.NewSingleHostReverseProxy(target)))
}

// startProxy serves h on 127.0.0.1 as a Server of backend's kind and credentials.
func startProxy(backend *Server, h http.Handler) *Server {
	srv := httptest.NewServer(h)
	return &Server{
		kind: backend.kind,
		host: strings.TrimPrefix(srv.URL, "http://"),
		user: backend.user,
		pass: backend.pass,
		stop: func() error { srv.Close(); return nil },
	}
}

// manifestPath splits /v2/<repo>/manifests/<ref>.
func manifestPath(p string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len("/manifests/"):], true
}
