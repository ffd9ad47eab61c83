package registrytest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const ghcrDocs = "https://docs.github.com/rest/packages/packages"

// ghError answers GitHub's error body.
func ghError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": ghcrDocs, "status": strconv.Itoa(status)})
}

// serveAPI serves the REST API: rate-limit headers and answers, the token, then the
// route.
func (g *GHCR) serveAPI(w http.ResponseWriter, r *http.Request) {
	if g.rateLimited(w) {
		return
	}
	tok, ok := g.apiToken(w, r)
	if !ok {
		return
	}
	if tok.classic {
		w.Header().Set("X-OAuth-Scopes", strings.Join(tok.scopes, ", "))
	}
	segs, ok := pathSegments(r.URL.EscapedPath())
	switch {
	case !ok:
		g.unknownAPI(w, r)
	case len(segs) == 2 && segs[0] == "users" && r.Method == http.MethodGet:
		g.note(r.Method, "/users/{owner}")
		g.getUser(w, segs[1])
	case len(segs) >= 3 && (segs[0] == "orgs" || segs[0] == "users") && segs[2] == "packages":
		if !strings.EqualFold(segs[1], g.owner) || (segs[0] == "users") != g.user {
			g.note(r.Method, "/{kind}/{owner}/packages…")
			ghError(w, http.StatusNotFound, "Not Found")
			return
		}
		g.packagesAPI(w, r, tok, segs[3:])
	default:
		g.unknownAPI(w, r)
	}
}

// pathSegments splits an escaped path into unescaped segments: a package name's
// %2F stays inside its segment.
func pathSegments(escaped string) ([]string, bool) {
	var out []string
	for _, s := range strings.Split(strings.Trim(escaped, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil || u == "" {
			return nil, false
		}
		out = append(out, u)
	}
	return out, true
}

func (g *GHCR) getUser(w http.ResponseWriter, login string) {
	if !strings.EqualFold(login, g.owner) {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	kind := "Organization"
	if g.user {
		kind = "User"
	}
	writeJSON(w, http.StatusOK, map[string]any{"login": g.owner, "id": 4242, "type": kind})
}

// packagesAPI serves what lies under /{kind}/{owner}/packages.
func (g *GHCR) packagesAPI(w http.ResponseWriter, r *http.Request, tok ghcrToken, rest []string) {
	if len(rest) > 0 && rest[0] != "container" {
		g.unknownAPI(w, r)
		return
	}
	route := "/{kind}/{owner}/packages"
	switch len(rest) {
	case 2:
		route += "/container/{name}"
	case 3:
		route += "/container/{name}/versions"
	case 4:
		route += "/container/{name}/versions/{id}"
	}
	if len(rest) == 1 || len(rest) > 4 || (len(rest) == 3 && rest[2] != "versions") || (len(rest) == 4 && rest[2] != "versions") ||
		(r.Method != http.MethodGet && !(r.Method == http.MethodDelete && len(rest) == 4)) {
		g.unknownAPI(w, r)
		return
	}
	g.note(r.Method, route)
	if !tok.may("read:packages") {
		ghError(w, http.StatusForbidden, "You need at least read:packages scope to list packages.")
		return
	}
	switch len(rest) {
	case 0:
		g.listPackages(w, r)
	case 2:
		g.getPackage(w, r, rest[1])
	case 3:
		g.listVersions(w, r, rest[1])
	case 4:
		id, err := strconv.ParseInt(rest[3], 10, 64)
		if err != nil {
			ghError(w, http.StatusNotFound, "Not Found")
			return
		}
		if r.Method == http.MethodDelete {
			g.deleteVersionAPI(w, r, tok, rest[1], id)
			return
		}
		g.getVersion(w, r, rest[1], id)
	}
}

func (g *GHCR) listPackages(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("package_type") != "container" {
		g.fail("registrytest: the GHCR fake was asked for packages of type %q; prsweep lists containers", r.URL.Query().Get("package_type"))
		ghError(w, http.StatusBadRequest, "Invalid request. package_type is required")
		return
	}
	all, names, err := g.packages(r.Context())
	if err != nil {
		ghError(w, http.StatusInternalServerError, err.Error())
		return
	}
	page, ok := ghPage(w, r, g.api.URL, names)
	if !ok {
		return
	}
	items := make([]map[string]any, 0, len(page))
	for _, n := range page {
		items = append(items, g.packageJSON(n, all[n]))
	}
	writeJSON(w, http.StatusOK, items)
}

func (g *GHCR) getPackage(w http.ResponseWriter, r *http.Request, name string) {
	vs, err := g.versions(r.Context(), name)
	switch {
	case errors.Is(err, errNoSuch):
		ghError(w, http.StatusNotFound, "Package not found.")
	case err != nil:
		ghError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, g.packageJSON(name, vs))
	}
}

func (g *GHCR) packageJSON(name string, vs []ghcrVersion) map[string]any {
	kind := "Organization"
	if g.user {
		kind = "User"
	}
	return map[string]any{"id": 1 + len(name), "name": name, "package_type": "container", "version_count": len(vs),
		"visibility": "private", "owner": map[string]any{"login": g.owner, "type": kind},
		"url": g.api.URL + "/packages/container/" + url.PathEscape(name)}
}

func (g *GHCR) listVersions(w http.ResponseWriter, r *http.Request, name string) {
	vs, err := g.versions(r.Context(), name)
	switch {
	case errors.Is(err, errNoSuch):
		ghError(w, http.StatusNotFound, "Package not found.")
		return
	case err != nil:
		ghError(w, http.StatusInternalServerError, err.Error())
		return
	}
	switch r.URL.Query().Get("state") {
	case "", "active":
	case "deleted":
		vs = nil // the fake keeps no deleted versions
	default:
		ghError(w, http.StatusUnprocessableEntity, "Invalid state")
		return
	}
	vs = g.lagged(name, vs)
	page, ok := ghPage(w, r, g.api.URL, vs)
	if !ok {
		return
	}
	items := make([]map[string]any, 0, len(page))
	for _, v := range page {
		items = append(items, versionJSON(v))
	}
	writeJSON(w, http.StatusOK, items)
}

// lagged leaves out the versions WithGHCRListingLag still hides, once each.
func (g *GHCR) lagged(repo string, vs []ghcrVersion) []ghcrVersion {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []ghcrVersion
	for _, v := range vs {
		if k := repo + "@" + v.digest; g.lag[k] > 0 {
			g.lag[k]--
			continue
		}
		out = append(out, v)
	}
	return out
}

func versionJSON(v ghcrVersion) map[string]any {
	tags := v.tags
	if tags == nil {
		tags = []string{}
	}
	at := v.created.Format(time.RFC3339)
	return map[string]any{"id": v.id, "name": v.digest, "created_at": at, "updated_at": at,
		"metadata": map[string]any{"package_type": "container", "container": map[string]any{"tags": tags}}}
}

func (g *GHCR) getVersion(w http.ResponseWriter, r *http.Request, name string, id int64) {
	vs, err := g.versions(r.Context(), name)
	if err != nil && !errors.Is(err, errNoSuch) {
		ghError(w, http.StatusInternalServerError, err.Error())
		return
	}
	i := slices.IndexFunc(vs, func(v ghcrVersion) bool { return v.id == id })
	if i < 0 {
		ghError(w, http.StatusNotFound, "Package version not found.")
		return
	}
	writeJSON(w, http.StatusOK, versionJSON(vs[i]))
}

func (g *GHCR) deleteVersionAPI(w http.ResponseWriter, r *http.Request, tok ghcrToken, name string, id int64) {
	if !tok.may("delete:packages") {
		msg := "You need at least delete:packages scope to delete packages."
		if !tok.classic {
			msg = "Must have admin rights to Repository."
		}
		ghError(w, http.StatusForbidden, msg)
		return
	}
	status, msg := g.deleteVersion(r.Context(), name, id)
	if status != http.StatusNoContent {
		ghError(w, status, msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ghPage returns the page per_page (default 30, at most 100) and page (from 1) ask
// for, and sets the Link header GitHub sends: next and last, prev and first.
func ghPage[T any](w http.ResponseWriter, r *http.Request, base string, items []T) ([]T, bool) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	last := max((len(items)+per-1)/per, 1)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, base, r.URL.EscapedPath(), q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*per, len(items))
	return items[start:min(start+per, len(items))], true
}

// unknownAPI fails the test: the fake was asked something it does not know.
func (g *GHCR) unknownAPI(w http.ResponseWriter, r *http.Request) {
	g.unknownAt(r, r.URL.EscapedPath())
	ghError(w, http.StatusNotFound, "Not Found")
}
