package httpx

import "net/http"

// NewUserAgent returns a RoundTripper that sets the User-Agent header to ua on
// requests that have none. An empty ua returns next unchanged; a nil next means
// http.DefaultTransport.
func NewUserAgent(next http.RoundTripper, ua string) http.RoundTripper {
	next = orDefault(next)
	if ua == "" {
		return next
	}
	return &userAgent{next: next, ua: ua}
}

type userAgent struct {
	next http.RoundTripper
	ua   string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") != "" {
		return u.next.RoundTrip(req)
	}
	// A RoundTripper must not modify the caller's request, so set it on a copy.
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(r)
}

func orDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}
