package config

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

type registryURL struct {
	scheme   string // https | http
	explicit bool   // the URL spelled its scheme
	host     string // host[:port]
	hostname string // host without port or brackets
}

// parseRegistryURL reads host[:port][/] or http(s)://host[:port][/]. Its errors do
// not repeat the URL.
func parseRegistryURL(raw string) (registryURL, error) {
	var u registryURL
	rest := raw
	if scheme, after, ok := strings.Cut(raw, "://"); ok {
		u.scheme, u.explicit, rest = strings.ToLower(scheme), true, after
		if u.scheme != "http" && u.scheme != "https" {
			return u, errors.New("the scheme must be https:// or http://")
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return u, errors.New("no host")
	}
	if strings.ContainsAny(rest, "/?#@ \t") {
		return u, errors.New("want host[:port] only; repository paths go in registry.repositories")
	}
	p, err := url.Parse("https://" + rest)
	if err != nil || !validHostname(p.Hostname()) {
		return u, errors.New("not a valid host[:port]")
	}
	if port := p.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return u, errors.New("the port must be 1-65535")
		}
	} else if strings.HasSuffix(rest, ":") {
		return u, errors.New("empty port")
	}
	u.host, u.hostname = p.Host, p.Hostname()
	if !u.explicit {
		u.scheme = "https"
		if isLoopback(u.hostname) {
			u.scheme = "http"
		}
	}
	return u, nil
}

// validHostname accepts an IP address or a DNS name (letters, digits, '-', '_', '.').
func validHostname(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	for _, r := range h {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return h != ""
}

// isLoopback reports whether host is localhost, in 127.0.0.0/8, or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkServiceURL checks a source's or authority's URL: http(s) with a host, and
// https unless the host is loopback. Its errors do not repeat the URL.
func checkServiceURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("want an https:// URL")
	case u.Hostname() == "":
		return errors.New("no host")
	case u.User != nil:
		return errors.New("credentials do not belong in the URL; use token")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return errors.New("http:// is allowed only to a loopback host; use https://")
	}
	return nil
}
