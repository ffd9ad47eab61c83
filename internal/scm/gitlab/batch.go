package gitlab

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prsweep/prsweep/internal/scm"
)

const (
	// maxIIDs is how many merge requests one list request asks for: GitLab's
	// per_page cap.
	maxIIDs = 100
	// batchConcurrency bounds the list requests of one States call (the sweep's
	// Limiter bounds them all).
	batchConcurrency = 4
)

// chunk is up to maxIIDs merge requests of one project.
type chunk struct {
	project, id string
	iids        []int64
}

// States reads refs with GET /projects/:id/merge_requests?iids[]=…&state=all,
// up to 100 merge requests of one project a request, following pagination. A
// ref is absent from the result when its batch failed, when the list did not
// hold it, or when its answer was odd: the caller then reads it alone through
// State, which says why. Absence is never a state.
func (c *Client) States(ctx context.Context, refs []scm.Ref) map[scm.Ref]scm.Status {
	type key struct {
		project string
		iid     int64
	}
	wanted := map[key][]scm.Ref{}
	byProject := map[string]*chunk{}
	var projects []string
	for _, ref := range refs {
		project, id, err := c.projectOf(ref)
		if err != nil {
			continue
		}
		iid, err := parseIID(ref.Number)
		if err != nil {
			continue
		}
		k := key{project, iid}
		if _, seen := wanted[k]; !seen {
			if byProject[project] == nil {
				byProject[project] = &chunk{project: project, id: id}
				projects = append(projects, project)
			}
			byProject[project].iids = append(byProject[project].iids, iid)
		}
		wanted[k] = append(wanted[k], ref)
	}
	var chunks []chunk
	for _, p := range projects {
		all := byProject[p]
		slices.Sort(all.iids)
		for part := range slices.Chunk(all.iids, maxIIDs) {
			chunks = append(chunks, chunk{project: all.project, id: all.id, iids: part})
		}
	}

	out := make(map[scm.Ref]scm.Status, len(refs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, batchConcurrency)
	for _, ch := range chunks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			got, err := c.list(ctx, ch)
			if err != nil {
				c.log.LogAttrs(ctx, slog.LevelDebug, "listing merge requests failed: each is read alone",
					slog.String("project", ch.project), slog.Int("mergeRequests", len(ch.iids)),
					slog.String("error", c.scrubbed(err).Error()))
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for iid, st := range got {
				for _, ref := range wanted[key{ch.project, iid}] {
					out[ref] = st
				}
			}
		})
	}
	wg.Wait()
	return out
}

// list reads one chunk's merge requests. A merge request whose state cannot be
// read is left out; an answer that breaks the filter (an iid not asked for, the
// same iid twice, more than asked) fails the whole chunk.
func (c *Client) list(ctx context.Context, ch chunk) (map[int64]scm.Status, error) {
	asked := map[int64]bool{}
	q := url.Values{"state": {"all"}, "per_page": {strconv.Itoa(maxIIDs)}}
	for _, iid := range ch.iids {
		asked[iid] = true
		q.Add("iids[]", strconv.FormatInt(iid, 10))
	}
	base := c.api + "/projects/" + ch.id + "/merge_requests"
	got := map[int64]scm.Status{}
	seen := map[int64]bool{}
	var projectID *int64
	page, u := 1, base+"?"+q.Encode()
	for pages := 1; ; pages++ {
		if pages > len(ch.iids)+1 {
			return nil, fmt.Errorf("listing merge requests of %s: more pages than merge requests asked for: %w", ch.project, scm.ErrUnexpected)
		}
		a, err := c.get(ctx, u, maxListBody)
		if err != nil {
			return nil, fmt.Errorf("listing merge requests of %s: %w", ch.project, err)
		}
		if a.code != http.StatusOK || !a.json {
			return nil, fmt.Errorf("listing merge requests of %s: %w", ch.project, c.refusal(a, ch.project))
		}
		if n, err := strconv.Atoi(a.header.Get("X-Total")); err == nil && n > len(ch.iids) {
			return nil, fmt.Errorf("listing merge requests of %s: %d merge requests for %d iids, so the filter was ignored: %w",
				ch.project, n, len(ch.iids), scm.ErrUnexpected)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(a.body, &items); err != nil {
			return nil, fmt.Errorf("listing merge requests of %s: decoding: %w: %w", ch.project, err, scm.ErrUnexpected)
		}
		for _, raw := range items {
			mr, err := decodeObject(raw)
			if err != nil {
				return nil, fmt.Errorf("listing merge requests of %s: %w", ch.project, err)
			}
			switch {
			case mr.IID == nil:
				return nil, fmt.Errorf("listing merge requests of %s: an item without iid: %w", ch.project, scm.ErrUnexpected)
			case !asked[*mr.IID]:
				return nil, fmt.Errorf("listing merge requests of %s: !%d was not asked for, so the filter was ignored: %w", ch.project, *mr.IID, scm.ErrUnexpected)
			case seen[*mr.IID]:
				return nil, fmt.Errorf("listing merge requests of %s: !%d twice: %w", ch.project, *mr.IID, scm.ErrUnexpected)
			case mr.ProjectID == nil || projectID != nil && *projectID != *mr.ProjectID:
				return nil, fmt.Errorf("listing merge requests of %s: items of different projects: %w", ch.project, scm.ErrUnexpected)
			}
			projectID, seen[*mr.IID] = mr.ProjectID, true
			st, err := mr.status()
			if err != nil {
				continue // read alone, State says why
			}
			st.ReadAt = c.now()
			got[*mr.IID] = st
		}
		next, err := c.nextPage(a, page, base, q)
		if err != nil {
			return nil, fmt.Errorf("listing merge requests of %s: %w", ch.project, err)
		}
		if next == "" {
			return got, nil
		}
		page++
		u = next
	}
}

// nextPage returns the URL of the page after page, or "" on the last: from
// X-Next-Page (offset pagination), else from Link rel="next" when it points
// back at this instance's API (never carry the token elsewhere).
func (c *Client) nextPage(a *answer, page int, base string, q url.Values) (string, error) {
	if v := strings.TrimSpace(a.header.Get("X-Next-Page")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n != page+1 {
			return "", fmt.Errorf("X-Next-Page %q after page %d: %w", scm.OneLine(v, 20), page, scm.ErrUnexpected)
		}
		next := url.Values{}
		for k, vs := range q {
			next[k] = vs
		}
		next.Set("page", v)
		return base + "?" + next.Encode(), nil
	}
	if _, set := a.header["X-Next-Page"]; set {
		return "", nil // present and empty: the last page
	}
	for _, l := range a.header.Values("Link") {
		for part := range strings.SplitSeq(l, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			target = strings.Trim(strings.TrimSpace(target), "<>")
			if !strings.HasPrefix(target, c.api+"/") {
				return "", fmt.Errorf("a next page outside %s: %w", c.api, scm.ErrUnexpected)
			}
			return target, nil
		}
	}
	return "", nil
}
