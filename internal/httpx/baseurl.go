package httpx

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ParseBaseURL parses the base URL an API client is given: http or https, a
// host, no credentials (they go in the token, never in a URL that is logged) and
// no query or fragment. Its errors name what ("GitLab URL") and show the URL
// redacted, or not at all when it does not parse: its text may hold a credential.
func ParseBaseURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("parsing the " + what + ": malformed")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("parsing the %s %s: scheme must be https or http", what, RedactURL(u))
	case u.Host == "":
		return nil, fmt.Errorf("parsing the %s %s: missing host", what, RedactURL(u))
	case u.User != nil:
		return nil, fmt.Errorf("parsing the %s %s: credentials belong in the token, not the URL", what, RedactURL(u))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("parsing the %s %s: unexpected query or fragment", what, RedactURL(u))
	}
	return u, nil
}
