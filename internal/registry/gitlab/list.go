package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prsweep/prsweep/internal/registry"
)

// maxPages bounds a listing: a GitLab that keeps answering "next" is not believed.
const maxPages = 100_000

// Repositories lists the container repositories of the project or group: their
// path is the registry repository name. It remembers each one's ids for Tags and
// Delete.
func (c *Client) Repositories(ctx context.Context) ([]string, error) {
	var items []struct {
		ID        int    `json:"id"`
		Path      string `json:"path"`
		ProjectID int    `json:"project_id"`
	}
	u, err := c.endpoint(c.scope+"/registry/repositories", url.Values{"per_page": {strconv.Itoa(c.pageSize)}})
	if err != nil {
		return nil, err
	}
	found := map[string]repoRef{}
	var repos []string
	err = c.pages(ctx, u, func() any { return &items }, func() {
		for _, it := range items {
			if _, dup := found[it.Path]; !dup {
				repos = append(repos, it.Path)
			}
			found[it.Path] = repoRef{project: it.ProjectID, id: it.ID}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("listing the container repositories of %s: %w", c.scope, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.repos = found
	return repos, nil
}

// ref returns a repository's GitLab ids, listing the repositories once if it is
// not known yet.
func (c *Client) ref(ctx context.Context, repo string) (repoRef, error) {
	c.mu.Lock()
	r, ok := c.repos[repo]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	if _, err := c.Repositories(ctx); err != nil {
		return repoRef{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok = c.repos[repo]; !ok {
		return repoRef{}, fmt.Errorf("%w: %s is not a container repository of %s", registry.ErrNotFound, repo, c.scope)
	}
	return r, nil
}

// tagsPath is the escaped API path of a repository's tags.
func (r repoRef) tagsPath() string {
	return fmt.Sprintf("projects/%d/registry/repositories/%d/tags", r.project, r.id)
}

// Tags lists every tag of a repository, following all pages.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	r, err := c.ref(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", repo, err)
	}
	u, err := c.endpoint(r.tagsPath(), url.Values{"per_page": {strconv.Itoa(c.pageSize)}})
	if err != nil {
		return nil, err
	}
	var page []struct {
		Name string `json:"name"`
	}
	var tags []string
	seen := map[string]bool{}
	err = c.pages(ctx, u, func() any { page = nil; return &page }, func() {
		for _, t := range page {
			if !seen[t.Name] {
				seen[t.Name] = true
				tags = append(tags, t.Name)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", repo, err)
	}
	return tags, nil
}

// pages GETs u and every page after it, decoding each into into() and calling
// took after each. The next page is the Link rel="next" GitLab sends (keyset and
// offset pagination both send one), else X-Next-Page; a page that repeats an
// earlier URL ends the listing with an error.
func (c *Client) pages(ctx context.Context, u *url.URL, into func() any, took func()) error {
	visited := map[string]bool{}
	for n := 0; u != nil; n++ {
		if n >= maxPages || visited[u.String()] {
			return fmt.Errorf("GitLab's pages do not end (page %d: %s)", n+1, u.RawQuery)
		}
		visited[u.String()] = true
		resp, err := c.getJSON(ctx, u, into())
		if err != nil {
			return err
		}
		took()
		if u, err = c.next(u, resp); err != nil {
			return err
		}
	}
	return nil
}

// next returns the URL of the page after u's, or nil after the last.
func (c *Client) next(u *url.URL, resp *http.Response) (*url.URL, error) {
	for _, h := range resp.Header.Values("Link") {
		for _, part := range strings.Split(h, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") || !relNext(params) {
				continue
			}
			next, err := u.Parse(target[1 : len(target)-1])
			if err != nil {
				return nil, fmt.Errorf("reading GitLab's Link header: %w", err)
			}
			// GitLab writes its external URL, which need not be the address
			// configured (an internal one): the page is asked of the configured
			// host, the only one the token goes to.
			next.Scheme, next.Host, next.User = c.api.Scheme, c.api.Host, nil
			return next, nil
		}
	}
	if p := strings.TrimSpace(resp.Header.Get("X-Next-Page")); p != "" {
		if _, err := strconv.Atoi(p); err != nil {
			return nil, errors.New("reading GitLab's X-Next-Page header: not a number")
		}
		next := *u
		q := next.Query()
		q.Set("page", p)
		next.RawQuery = q.Encode()
		return &next, nil
	}
	return nil, nil
}

func relNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "rel") && strings.Trim(v, `"`) == "next" {
			return true
		}
	}
	return false
}
