package github

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// maxBatch is how many pull requests one GraphQL query asks for at most: each is
// one node of one connection-free field, far below GitHub's node limit, and a
// query of 100 costs one point.
const maxBatch = 100

// maxGraphQLBody bounds an answer: 100 pull requests are a few KiB.
const maxGraphQLBody = 4 << 20

// prFields are the fields of a PullRequest that decide its state.
const prFields = "number state merged mergedAt closedAt"

type batchItem struct {
	ref         scm.Ref
	owner, name string
	number      int
}

// States reads many pull requests with GraphQL (POST /graphql), maxBatch (or
// WithBatchSize) per query, aliasing each repository (r0, r1, …) and each pull
// request (p<number>). It returns only what GitHub answered positively: a pull
// request the answer does not hold (null, named by an error, not what was asked,
// the query failed) is absent, and the caller reads it alone with State.
func (c *Client) States(ctx context.Context, refs []scm.Ref) map[scm.Ref]scm.Status {
	out := map[scm.Ref]scm.Status{}
	var items []batchItem
	seen := map[scm.Ref]bool{}
	for _, ref := range refs {
		owner, name, err := splitRepo(ref.Repo)
		if err != nil || seen[ref] {
			continue
		}
		n, err := parseNumber(ref.Number)
		if err != nil {
			continue
		}
		seen[ref] = true
		items = append(items, batchItem{ref: ref, owner: owner, name: name, number: n})
	}
	slices.SortFunc(items, func(a, b batchItem) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.owner+"/"+a.name), strings.ToLower(b.owner+"/"+b.name)), cmp.Compare(a.number, b.number))
	})
	for chunk := range slices.Chunk(items, c.batchSize) {
		if ctx.Err() != nil {
			break
		}
		if err := c.batch(ctx, chunk, out); err != nil {
			c.log.LogAttrs(ctx, slog.LevelDebug, "github: a batch of pull requests could not be read; they are read one by one",
				slog.Int("pullRequests", len(chunk)), slog.String("error", c.scrub(err.Error())))
		}
	}
	return out
}

// batchRepo is one aliased repository of a query.
type batchRepo struct {
	owner, name string
	items       map[string][]batchItem // by pull-request alias: refs spelled differently share one
}

// batch asks one query for items and puts what it answered in out.
func (c *Client) batch(ctx context.Context, items []batchItem, out map[scm.Ref]scm.Status) error {
	var repos []*batchRepo
	byRepo := map[string]*batchRepo{}
	for _, it := range items {
		key := it.owner + "/" + it.name // case as written: GitHub's names are case-insensitive, aliases are not
		r := byRepo[key]
		if r == nil {
			r = &batchRepo{owner: it.owner, name: it.name, items: map[string][]batchItem{}}
			byRepo[key] = r
			repos = append(repos, r)
		}
		alias := "p" + strconv.Itoa(it.number)
		r.items[alias] = append(r.items[alias], it)
	}
	query, vars := buildQuery(repos)
	answer, err := c.postGraphQL(ctx, query, vars)
	if err != nil {
		return err
	}
	// What an error names is not an answer, whatever data says.
	named := map[string]bool{}
	for _, e := range answer.Errors {
		if len(e.Path) == 0 {
			return fmt.Errorf("graphql error %s%s", scm.OneLine(e.Type, 40), detail(e.Message))
		}
		parts := make([]string, 0, 2)
		for _, p := range e.Path[:min(len(e.Path), 2)] {
			parts = append(parts, fmt.Sprint(p))
		}
		named[strings.Join(parts, ".")] = true
	}
	now := c.now()
	for i, r := range repos {
		ra := "r" + strconv.Itoa(i)
		prs := answer.Data[ra]
		if prs == nil || named[ra] {
			continue
		}
		for alias, its := range r.items {
			pr := prs[alias]
			if pr == nil || named[ra+"."+alias] {
				continue
			}
			st, err := pr.status(its[0].number)
			if err != nil {
				c.log.LogAttrs(ctx, slog.LevelDebug, "github: an odd pull request in a batch; it is read alone",
					slog.String("pr", its[0].ref.String()), slog.String("error", err.Error()))
				continue
			}
			st.ReadAt = now
			for _, it := range its {
				out[it.ref] = st
			}
		}
	}
	return nil
}

// buildQuery writes one query with a variable pair per repository; numbers are
// checked digits, so they go in the text.
func buildQuery(repos []*batchRepo) (string, map[string]string) {
	var decl, sel strings.Builder
	vars := map[string]string{}
	for i, r := range repos {
		n := strconv.Itoa(i)
		if i > 0 {
			decl.WriteByte(',')
			sel.WriteByte(' ')
		}
		fmt.Fprintf(&decl, "$o%s:String!,$n%s:String!", n, n)
		vars["o"+n], vars["n"+n] = r.owner, r.name
		fmt.Fprintf(&sel, "r%s:repository(owner:$o%s,name:$n%s){", n, n, n)
		aliases := make([]string, 0, len(r.items))
		for a := range r.items {
			aliases = append(aliases, a)
		}
		slices.SortFunc(aliases, func(a, b string) int { return cmp.Compare(r.items[a][0].number, r.items[b][0].number) })
		for j, a := range aliases {
			if j > 0 {
				sel.WriteByte(' ')
			}
			fmt.Fprintf(&sel, "%s:pullRequest(number:%d){%s}", a, r.items[a][0].number, prFields)
		}
		sel.WriteByte('}')
	}
	return "query(" + decl.String() + "){" + sel.String() + "}", vars
}

type gqlAnswer struct {
	Data   map[string]map[string]*gqlPR `json:"data"`
	Errors []struct {
		Type    string `json:"type"`
		Path    []any  `json:"path"`
		Message string `json:"message"`
	} `json:"errors"`
}

type gqlPR struct {
	Number   *int    `json:"number"`
	State    *string `json:"state"`
	Merged   *bool   `json:"merged"`
	MergedAt *string `json:"mergedAt"`
	ClosedAt *string `json:"closedAt"`
}

// status maps a PullRequest onto scm: OPEN → Open, MERGED → Merged, CLOSED →
// Closed; merged must agree with the state where it is given.
func (p *gqlPR) status(number int) (scm.Status, error) {
	switch {
	case p.Number == nil || *p.Number != number:
		return scm.Status{}, fmt.Errorf("number is not %d: %w", number, scm.ErrUnexpected)
	case p.State == nil:
		return scm.Status{}, fmt.Errorf("no state: %w", scm.ErrUnexpected)
	}
	merged := p.Merged != nil && *p.Merged
	var st scm.Status
	switch *p.State {
	case "OPEN":
		if merged {
			return scm.Status{}, fmt.Errorf("open and merged: %w", scm.ErrUnexpected)
		}
		return scm.Status{State: scm.Open}, nil
	case "MERGED":
		if p.Merged != nil && !merged {
			return scm.Status{}, fmt.Errorf("state MERGED but merged false: %w", scm.ErrUnexpected)
		}
		st.State = scm.Merged
	case "CLOSED":
		if merged {
			return scm.Status{}, fmt.Errorf("state CLOSED but merged true: %w", scm.ErrUnexpected)
		}
		st.State = scm.Closed
	default:
		return scm.Status{}, fmt.Errorf("state %q: %w", scm.OneLine(*p.State, 40), scm.ErrUnexpected)
	}
	for _, at := range []*string{p.ClosedAt, p.MergedAt} {
		if at == nil || *at == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			// The grace period counts from here; a date we cannot read is no date.
			return scm.Status{}, fmt.Errorf("date %q: %w", scm.OneLine(*at, 40), scm.ErrUnexpected)
		}
		st.ClosedAt = t
		break
	}
	return st, nil
}

// postGraphQL sends one query and decodes a 200 JSON answer; anything else is an error.
func (c *Client) postGraphQL(ctx context.Context, query string, vars map[string]string) (*gqlAnswer, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("encoding the query: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphql, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphQLBody+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading status %d body: %w", resp.StatusCode, err)
	case len(data) > maxGraphQLBody:
		return nil, fmt.Errorf("status %d with a body over 4 MiB: %w", resp.StatusCode, scm.ErrUnexpected)
	case resp.StatusCode != http.StatusOK:
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e) // best effort: only for the error text
		return nil, fmt.Errorf("status %d%s", resp.StatusCode, detail(e.Message))
	}
	var a gqlAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decoding the answer: %w: %w", err, scm.ErrUnexpected)
	}
	return &a, nil
}
