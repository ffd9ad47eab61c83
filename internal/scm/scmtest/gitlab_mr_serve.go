package scmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	glJSON = "application/json"
	// glDate is how GitLab writes times: UTC, milliseconds, Z.
	glDate = "2006-01-02T15:04:05.000Z"

	// GitLabProjectNotFound and GitLabNotFound are GitLab's two 404 bodies: the
	// project does not exist or the caller cannot see it; the project is
	// readable but no such record (merge request) exists.
	GitLabProjectNotFound = `{"message":"404 Project Not Found"}`
	GitLabNotFound        = `{"message":"404 Not found"}`
	// GitLabUnauthorized is the 401 body for a token GitLab does not accept.
	GitLabUnauthorized = `{"message":"401 Unauthorized"}`
	// GitLabInsufficientScope is the 403 body for a token without read_api or api.
	GitLabInsufficientScope = `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`
	glForbidden             = `{"message":"403 Forbidden"}`
)

// who is the caller as GitLab sees it.
type who int

const (
	anonymous who = iota
	user
)

func (f *GitLab) serve(w http.ResponseWriter, r *http.Request) {
	kind, id, iid, problem := glRoute(r)
	if problem != "" {
		// Never echo headers: PRIVATE-TOKEN and JOB-TOKEN are credentials.
		f.errorf("gitlab fake: unexpected request %s %s: %s", r.Method, r.URL.EscapedPath(), problem)
		glWrite(w, http.StatusNotFound, "text/html; charset=utf-8", "<!DOCTYPE html><html><body><h1>404</h1><p>The page could not be found or you don't have permission to view it.</p></body></html>")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byID[glAtoi(id, -1)]
	if p == nil {
		p = f.projects[id]
	}
	name := id
	if p != nil {
		name = p.path
	}
	f.counts[kind+" "+name]++
	if kind == GitLabMRList {
		f.listIIDs = append(f.listIIDs, len(r.URL.Query()["iids[]"]))
	}
	caller, status, body := f.authenticate(r, kind)
	switch {
	case status != 0:
		glWrite(w, status, glJSON, body)
		return
	case p == nil || caller == anonymous:
		glWrite(w, http.StatusNotFound, glJSON, GitLabProjectNotFound)
		return
	}
	if fault := p.nextFault(); fault != nil {
		fault(w)
		return
	}
	switch kind {
	case GitLabProject:
		glWriteJSON(w, http.StatusOK, glProjectBody(p))
	case GitLabMR:
		mr, ok := p.mrs[iid]
		switch {
		case !ok:
			glWrite(w, http.StatusNotFound, glJSON, GitLabNotFound)
		case p.mrForbidden:
			glWrite(w, http.StatusForbidden, glJSON, glForbidden)
		default:
			glWriteJSON(w, http.StatusOK, glMRBody(p, iid, mr))
		}
	case GitLabMRList:
		if p.mrForbidden {
			glWrite(w, http.StatusForbidden, glJSON, glForbidden)
			return
		}
		f.list(w, r, p)
	}
}

// authenticate returns who the caller is, or the status and body refusing it.
func (f *GitLab) authenticate(r *http.Request, kind string) (who, int, string) {
	private, job := r.Header.Values("PRIVATE-TOKEN"), r.Header.Values("JOB-TOKEN")
	switch {
	case len(private)+len(job) > 1:
		f.errorf("gitlab fake: %d token headers; send one", len(private)+len(job))
		return anonymous, http.StatusUnauthorized, GitLabUnauthorized
	case len(private) == 1:
		if private[0] != f.token {
			return anonymous, http.StatusUnauthorized, GitLabUnauthorized
		}
		if !slices.Contains(f.scopes, "api") && !slices.Contains(f.scopes, "read_api") {
			return anonymous, http.StatusForbidden, GitLabInsufficientScope
		}
		return user, 0, ""
	case len(job) == 1:
		if kind == GitLabProject || !f.jobMRs {
			return anonymous, 0, "" // an endpoint the job token may not use: GitLab ignores it
		}
		if f.jobToken == "" || job[0] != f.jobToken {
			return anonymous, http.StatusUnauthorized, GitLabUnauthorized
		}
		return user, 0, ""
	}
	return anonymous, 0, ""
}

// glRoute parses the request: its kind, the project id (number or path,
// decoded), the iid for a single merge request, or why the fake does not know it.
func glRoute(r *http.Request) (kind, id string, iid int, problem string) {
	if r.Method != http.MethodGet {
		return "", "", 0, "method is not GET"
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/projects/")
	if !ok {
		return "", "", 0, "path is not under /api/v4/projects/"
	}
	seg := strings.Split(rest, "/")
	id, err := url.PathUnescape(seg[0])
	if err != nil || id == "" {
		return "", "", 0, fmt.Sprintf("%q is not a project id", seg[0])
	}
	q := r.URL.Query()
	switch {
	case len(seg) == 1:
		kind = GitLabProject
	case len(seg) == 2 && seg[1] == "merge_requests":
		return GitLabMRList, id, 0, glListQuery(q)
	case len(seg) == 3 && seg[1] == "merge_requests":
		kind = GitLabMR
		iid = glAtoi(seg[2], -1)
		if iid < 0 || strconv.Itoa(iid) != seg[2] {
			return "", "", 0, fmt.Sprintf("%q is not a merge request iid", seg[2])
		}
	default:
		return "", "", 0, "not a project or merge request path (a project path must be URL-encoded: group%2Fproject)"
	}
	if len(q) != 0 {
		return "", "", 0, fmt.Sprintf("unexpected query %q", r.URL.RawQuery)
	}
	return kind, id, iid, ""
}

// glListQuery checks a list request's parameters.
func glListQuery(q url.Values) string {
	for k, vs := range q {
		switch k {
		case "state":
			if !slices.Contains([]string{"opened", "closed", "locked", "merged", "all"}, vs[0]) || len(vs) > 1 {
				return fmt.Sprintf("state %q", vs)
			}
		case "per_page", "page":
			if n := glAtoi(vs[0], -1); n < 1 || len(vs) > 1 {
				return fmt.Sprintf("%s %q", k, vs)
			}
		case "iids[]":
			for _, v := range vs {
				if glAtoi(v, -1) < 0 {
					return fmt.Sprintf("iids[] %q", v)
				}
			}
		default:
			return fmt.Sprintf("unexpected parameter %q", k)
		}
	}
	return ""
}

// list answers a list request: the state and iids filters, newest first, paginated.
func (f *GitLab) list(w http.ResponseWriter, r *http.Request, p *glProject) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "all"
	}
	var iids []int
	for iid, mr := range p.mrs {
		if (state == "all" || mr.state == state) && (len(q["iids[]"]) == 0 || slices.Contains(q["iids[]"], strconv.Itoa(iid))) {
			iids = append(iids, iid)
		}
	}
	slices.Sort(iids)
	slices.Reverse(iids) // order_by created_at, sort desc: the newest (highest iid) first
	per := min(max(glAtoi(q.Get("per_page"), 20), 1), f.maxPerPage)
	page := max(glAtoi(q.Get("page"), 1), 1)
	pages := max((len(iids)+per-1)/per, 1)
	items := []any{}
	for _, iid := range iids[min((page-1)*per, len(iids)):min(page*per, len(iids))] {
		items = append(items, glMRBody(p, iid, p.mrs[iid]))
	}
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(iids)))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	link := func(rel string, n int) string {
		u := *r.URL
		v := u.Query()
		v.Set("page", strconv.Itoa(n))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		return fmt.Sprintf(`<http://%s%s>; rel="%s"`, r.Host, u.RequestURI(), rel)
	}
	var links []string
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, link("prev", page-1))
	}
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, link("next", page+1))
	}
	links = append(links, link("first", 1), link("last", pages))
	h.Set("Link", strings.Join(links, ", "))
	glWriteJSON(w, http.StatusOK, items)
}

func glProjectBody(p *glProject) map[string]any {
	name := p.path[strings.LastIndex(p.path, "/")+1:]
	return map[string]any{
		"id": p.id, "name": name, "path": name, "path_with_namespace": p.path,
		"name_with_namespace": strings.ReplaceAll(p.path, "/", " / "), "visibility": "private",
		"default_branch": "main", "merge_requests_enabled": true, "merge_requests_access_level": "enabled",
		"web_url": "https://gitlab.example.com/" + p.path,
	}
}

// glMRBody is a merge request as the single and list endpoints return it (the
// fields a client may read, and enough others to look real).
func glMRBody(p *glProject, iid int, mr glMR) map[string]any {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(iid) * time.Minute)
	date := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(glDate)
	}
	var merged, closed any
	switch mr.state {
	case "merged":
		merged = date(mr.at)
	case "closed":
		closed = date(mr.at)
	}
	user := map[string]any{"id": 7, "username": "dev", "name": "Dev", "state": "active"}
	return map[string]any{
		"id": p.id*100000 + iid, "iid": iid, "project_id": p.id, "title": fmt.Sprintf("Change %d", iid),
		"description": "", "state": mr.state, "created_at": created.Format(glDate), "updated_at": created.Format(glDate),
		"merged_by": nil, "merge_user": nil, "merged_at": merged, "closed_by": nil, "closed_at": closed,
		"target_branch": "main", "source_branch": fmt.Sprintf("feature-%d", iid), "author": user,
		"source_project_id": p.id, "target_project_id": p.id, "labels": []string{}, "draft": false,
		"work_in_progress": false, "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
		"sha": "0123456789abcdef0123456789abcdef01234567", "discussion_locked": nil,
		"reference":  fmt.Sprintf("!%d", iid),
		"references": map[string]any{"short": fmt.Sprintf("!%d", iid), "relative": fmt.Sprintf("!%d", iid), "full": fmt.Sprintf("%s!%d", p.path, iid)},
		"web_url":    fmt.Sprintf("https://gitlab.example.com/%s/-/merge_requests/%d", p.path, iid),
	}
}

func glWriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the fake's own bodies always encode
	}
	glWrite(w, status, glJSON, string(b))
}

func glWrite(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func glAtoi(s string, or int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return or
	}
	return n
}
