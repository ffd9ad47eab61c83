package registrytest

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// serveAPI routes GitLab's REST API and its registry token endpoint.
func (g *GitLab) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/jwt/auth" {
		g.note(r.Method, "/jwt/auth")
		g.jwtAuth(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		g.unknownGitLab(w, r)
		return
	}
	var seg []string
	for _, s := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			g.unknownGitLab(w, r)
			return
		}
		seg = append(seg, u)
	}
	route := glRoute(seg)
	g.note(r.Method, route)
	if ra, throttled := g.takeThrottle(); throttled {
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		glMessage(w, http.StatusTooManyRequests, "Retry later")
		return
	}
	tok, ok := g.apiToken(r)
	if !ok {
		glMessage(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if !slices.Contains(tok.Scopes, "api") && (write || !slices.Contains(tok.Scopes, "read_api")) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.", "scope": "api"})
		return
	}
	switch {
	case route == "/api/v4/personal_access_tokens/self" && r.Method == http.MethodGet:
		g.tokenSelf(w, r, tok)
	case route == "/api/v4/projects/:id" && r.Method == http.MethodGet:
		if p, ok := g.projectOr404(w, seg[1]); ok {
			writeJSON(w, http.StatusOK, map[string]any{"id": p.id, "path_with_namespace": p.path,
				"container_registry_enabled": true, "permissions": map[string]any{
					"project_access": map[string]int{"access_level": tok.AccessLevel}, "group_access": nil}})
		}
	case route == "/api/v4/groups/:id" && r.Method == http.MethodGet:
		if path, id, ok := g.groupOr404(w, seg[1]); ok {
			writeJSON(w, http.StatusOK, map[string]any{"id": id, "full_path": path})
		}
	case route == "/api/v4/projects/:id/registry/repositories" && r.Method == http.MethodGet:
		if p, ok := g.projectOr404(w, seg[1]); ok {
			g.listRepositories(w, r, []*glProject{p})
		}
	case route == "/api/v4/groups/:id/registry/repositories" && r.Method == http.MethodGet:
		if path, _, ok := g.groupOr404(w, seg[1]); ok {
			g.listRepositories(w, r, g.projectsUnder(path))
		}
	case route == "/api/v4/projects/:id/registry/repositories/:rid/tags" && r.Method == http.MethodGet:
		if repo, ok := g.repositoryOr404(w, r, seg[1], seg[4]); ok {
			g.listTags(w, r, repo)
		}
	case route == "/api/v4/projects/:id/registry/repositories/:rid/tags/:tag" && r.Method == http.MethodGet:
		if repo, ok := g.repositoryOr404(w, r, seg[1], seg[4]); ok {
			g.tagDetails(w, r, repo, seg[6])
		}
	case route == "/api/v4/projects/:id/registry/repositories/:rid/tags/:tag" && r.Method == http.MethodDelete:
		if repo, ok := g.repositoryOr404(w, r, seg[1], seg[4]); ok {
			g.deleteTag(w, r, repo, seg[6], tok)
		}
	default:
		g.unknownGitLab(w, r)
	}
}

// glRoute names a request's route with its parameters elided.
func glRoute(seg []string) string {
	names := []string{"", ":id", "", "", ":rid", "", ":tag"}
	out := slices.Clone(seg)
	for i := range out {
		if i < len(names) && names[i] != "" && (seg[0] == "projects" || seg[0] == "groups") {
			out[i] = names[i]
		}
	}
	return "/api/v4/" + strings.Join(out, "/")
}

func (g *GitLab) apiToken(r *http.Request) (GitLabToken, bool) {
	v := r.Header.Get("PRIVATE-TOKEN")
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && v == "" {
		v = b
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.tokens[v]
	return t, ok && v != ""
}

func (g *GitLab) tokenSelf(w http.ResponseWriter, r *http.Request, tok GitLabToken) {
	writeJSON(w, http.StatusOK, map[string]any{"id": 1, "name": "prsweep", "revoked": false, "active": true,
		"scopes": tok.Scopes, "user_id": 2, "created_at": g.now().UTC().Format("2006-01-02T15:04:05.000Z"), "expires_at": nil})
}

// project finds a project by id or path.
func (g *GitLab) project(idOrPath string) (*glProject, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.projects {
		if strconv.Itoa(p.id) == idOrPath || p.path == idOrPath {
			return p, true
		}
	}
	return nil, false
}

func (g *GitLab) projectOr404(w http.ResponseWriter, idOrPath string) (*glProject, bool) {
	p, ok := g.project(idOrPath)
	if !ok {
		glMessage(w, http.StatusNotFound, "404 Project Not Found")
	}
	return p, ok
}

func (g *GitLab) groupOr404(w http.ResponseWriter, idOrPath string) (string, int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for path, id := range g.groups {
		if path == idOrPath || strconv.Itoa(id) == idOrPath {
			return path, id, true
		}
	}
	glMessage(w, http.StatusNotFound, "404 Group Not Found")
	return "", 0, false
}

func (g *GitLab) projectsUnder(group string) []*glProject {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*glProject
	for _, p := range g.projects {
		if strings.HasPrefix(p.path, group+"/") {
			out = append(out, p)
		}
	}
	return out
}

// owner returns the project a registry repository belongs to: the one with the
// longest path that is the repository's path or a parent of it.
func (g *GitLab) owner(repo string) (*glProject, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var best *glProject
	for _, p := range g.projects {
		if (repo == p.path || strings.HasPrefix(repo, p.path+"/")) && (best == nil || len(p.path) > len(best.path)) {
			best = p
		}
	}
	return best, best != nil
}

func (g *GitLab) repoID(repo string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.repoIDs[repo]
	if !ok {
		id = 1000 + len(g.repoIDs)
		g.repoIDs[repo] = id
	}
	return id
}

// repositoriesOf lists the backend repositories of projects, sorted by path.
func (g *GitLab) repositoriesOf(r *http.Request, projects []*glProject) ([]string, error) {
	all, err := g.backend.repositories(r.Context())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, repo := range all {
		if p, ok := g.owner(repo); ok && slices.Contains(projects, p) {
			out = append(out, repo)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (g *GitLab) listRepositories(w http.ResponseWriter, r *http.Request, projects []*glProject) {
	repos, err := g.repositoriesOf(r, projects)
	if err != nil {
		glMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	page, ok := g.offsetPage(w, r, len(repos))
	if !ok {
		return
	}
	items := []map[string]any{}
	for _, repo := range repos[page.start:page.end] {
		p, _ := g.owner(repo)
		items = append(items, map[string]any{"id": g.repoID(repo),
			"name": strings.TrimPrefix(strings.TrimPrefix(repo, p.path), "/"), "path": repo,
			"project_id": p.id, "location": g.Host() + "/" + repo,
			"created_at": "2024-01-10T13:38:57.391Z", "cleanup_policy_started_at": nil, "status": nil})
	}
	writeJSON(w, http.StatusOK, items)
}

// repositoryOr404 finds repository rid of project id.
func (g *GitLab) repositoryOr404(w http.ResponseWriter, r *http.Request, id, rid string) (string, bool) {
	p, ok := g.projectOr404(w, id)
	if !ok {
		return "", false
	}
	repos, err := g.repositoriesOf(r, []*glProject{p})
	if err != nil {
		glMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
		return "", false
	}
	for _, repo := range repos {
		if strconv.Itoa(g.repoID(repo)) == rid {
			return repo, true
		}
	}
	glMessage(w, http.StatusNotFound, "404 Repository Not Found")
	return "", false
}

func (g *GitLab) tagItem(repo, tag string) map[string]any {
	return map[string]any{"name": tag, "path": repo + ":" + tag, "location": g.Host() + "/" + repo + ":" + tag}
}

func (g *GitLab) listTags(w http.ResponseWriter, r *http.Request, repo string) {
	tags, err := g.backendTags(r.Context(), repo)
	if err != nil {
		glMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	slices.Sort(tags)
	items := []map[string]any{}
	if g.keyset {
		n, ok := perPage(w, r)
		if !ok {
			return
		}
		start := 0
		if last := r.URL.Query().Get("last"); last != "" {
			start = len(tags)
			if i := slices.IndexFunc(tags, func(t string) bool { return t > last }); i >= 0 {
				start = i
			}
		}
		end := min(start+n, len(tags))
		for _, t := range tags[start:end] {
			items = append(items, g.tagItem(repo, t))
		}
		if end < len(tags) {
			q := url.Values{"last": {tags[end-1]}, "per_page": {strconv.Itoa(n)}, "pagination": {"keyset"}}
			next := g.api.URL + r.URL.EscapedPath() + "?" + q.Encode()
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
		writeJSON(w, http.StatusOK, items)
		return
	}
	page, ok := g.offsetPage(w, r, len(tags))
	if !ok {
		return
	}
	for _, t := range tags[page.start:page.end] {
		items = append(items, g.tagItem(repo, t))
	}
	writeJSON(w, http.StatusOK, items)
}

func (g *GitLab) tagDetails(w http.ResponseWriter, r *http.Request, repo, tag string) {
	m, err := g.backend.manifest(r.Context(), repo, tag, http.MethodGet)
	if err != nil {
		glMessage(w, http.StatusNotFound, "404 Tag Not Found")
		return
	}
	item := g.tagItem(repo, tag)
	info := parseManifest(m)
	item["digest"] = m.digest
	item["revision"], item["short_revision"], item["total_size"] = nil, nil, nil
	if len(info.refs) == 0 {
		rev := strings.TrimPrefix(configDigest(m.body), "sha256:")
		item["revision"], item["short_revision"], item["total_size"] = rev, rev[:min(9, len(rev))], info.size
	}
	item["created_at"] = g.createdAt(repo + ":" + tag).Format("2006-01-02T15:04:05.000-07:00")
	writeJSON(w, http.StatusOK, item)
}

// deleteTag deletes one tag as GitLab does with its own registry: the registry's tag
// DELETE (DELETE /v2/<path>/manifests/<tag>), which removes that tag alone.
func (g *GitLab) deleteTag(w http.ResponseWriter, r *http.Request, repo, tag string, tok GitLabToken) {
	if tok.AccessLevel < 30 {
		glMessage(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	if _, err := g.backend.manifest(r.Context(), repo, tag, http.MethodGet); err != nil {
		glMessage(w, http.StatusNotFound, "404 Tag Not Found")
		return
	}
	del := g.backend.delete
	switch {
	case g.refused:
		del = func(context.Context, string, string) error { return errNoSuch }
	case g.thirdParty:
		del = g.backendDeleteTagByDummy
	}
	if err := del(r.Context(), repo, tag); err != nil {
		// DeleteTagsService's error answer.
		glMessage(w, http.StatusBadRequest, "400 Bad request - could not delete tags")
		return
	}
	w.WriteHeader(http.StatusOK)
}
