package scmtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// prBody is a pull request as GET /repos/{owner}/{repo}/pulls/{number} spells it
// (the fields of GitHub's pull-request schema a reader could care about).
func (g *GitHub) prBody(r *ghRepo, n int, pr ghPR) json.RawMessage {
	base := g.URL() + "/repos/" + r.owner + "/" + r.name
	state, merged := pr.state, pr.state == "merged"
	var closedAt, mergedAt, mergedBy, mergeSHA any
	if state != "open" {
		state = "closed"
		closedAt = pr.closedAt.Format(time.RFC3339)
	}
	if merged {
		mergedAt = closedAt
		mergedBy = ghUser()
		mergeSHA = fmt.Sprintf("%040x", n)
	}
	created := pr.closedAt.Add(-48 * time.Hour)
	if pr.closedAt.IsZero() {
		created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	body := map[string]any{
		"url": fmt.Sprintf("%s/pulls/%d", base, n), "id": 100000 + n, "node_id": fmt.Sprintf("PR_kwDOA%07d", n),
		"html_url":  fmt.Sprintf("https://github.com/%s/%s/pull/%d", r.owner, r.name, n),
		"diff_url":  fmt.Sprintf("https://github.com/%s/%s/pull/%d.diff", r.owner, r.name, n),
		"issue_url": fmt.Sprintf("%s/issues/%d", base, n),
		"number":    n, "state": state, "locked": false, "title": fmt.Sprintf("Pull request %d", n),
		"user": ghUser(), "body": nil, "labels": []any{}, "milestone": nil, "active_lock_reason": nil,
		"created_at": created.Format(time.RFC3339), "updated_at": created.Format(time.RFC3339),
		"closed_at": closedAt, "merged_at": mergedAt, "merge_commit_sha": mergeSHA,
		"assignee": nil, "assignees": []any{}, "requested_reviewers": []any{}, "draft": false,
		"head":               map[string]any{"label": r.owner + ":feature", "ref": "feature", "sha": fmt.Sprintf("%040x", n+1)},
		"base":               map[string]any{"label": r.owner + ":main", "ref": "main", "sha": fmt.Sprintf("%040x", n+2)},
		"author_association": "MEMBER", "auto_merge": nil,
		"merged": merged, "mergeable": nil, "rebaseable": nil, "mergeable_state": "unknown", "merged_by": mergedBy,
		"comments": 0, "review_comments": 0, "maintainer_can_modify": false, "commits": 1, "additions": 1, "deletions": 0, "changed_files": 1,
	}
	b, _ := json.Marshal(body)
	return b
}

func ghUser() map[string]any {
	return map[string]any{"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false}
}

// repoBody is a repository as GET /repos/{owner}/{repo} spells it (in part).
func (g *GitHub) repoBody(r *ghRepo) string {
	b, _ := json.Marshal(map[string]any{
		"id": r.id, "node_id": fmt.Sprintf("R_kgDO%06d", r.id), "name": r.name, "full_name": r.owner + "/" + r.name,
		"private": true, "owner": map[string]any{"login": r.owner, "id": 2, "type": "Organization"},
		"html_url": "https://github.com/" + r.owner + "/" + r.name, "url": g.URL() + "/repos/" + r.owner + "/" + r.name,
		"default_branch": "main", "visibility": "private", "archived": false, "disabled": false,
		"permissions": map[string]bool{"admin": false, "maintain": false, "push": false, "triage": false, "pull": true},
	})
	return string(b)
}

// rateLimitBody is GET /rate_limit's answer. g.mu is held.
func (g *GitHub) rateLimitBody() string {
	res := func(name string) map[string]any {
		return map[string]any{"limit": githubRateLimit, "used": githubRateLimit - g.limits[name], "remaining": g.limits[name], "reset": g.reset.Unix()}
	}
	b, _ := json.Marshal(map[string]any{
		"resources": map[string]any{"core": res("core"), "graphql": res("graphql")},
		"rate":      res("core"),
	})
	return string(b)
}
