package scmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The query shape the fake understands: variables of type String!, and aliased
// repositories each selecting aliased pull requests by number.
var (
	gqlHead     = regexp.MustCompile(`^query\(((?:\$\w+:String!)(?:,\$\w+:String!)*)\)\{(.*)\}$`)
	gqlRepo     = regexp.MustCompile(`^(\w+):repository\(owner:\$(\w+),name:\$(\w+)\)\{`)
	gqlPull     = regexp.MustCompile(`^(\w+):pullRequest\(number:(\d+)\)\{([A-Za-z ]+)\}`)
	gqlPRFields = []string{"number", "state", "merged", "mergedAt", "closedAt"}
)

type gqlRepoSel struct {
	alias, owner, name string
	pulls              []gqlPullSel
}

type gqlPullSel struct {
	alias  string
	number int
	fields []string
}

func (g *GitHub) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var req struct {
		Query     string            `json:"query"`
		Variables map[string]string `json:"variables"`
	}
	if err == nil && mt == "application/json" {
		err = json.Unmarshal(body, &req)
	} else if err == nil {
		err = fmt.Errorf("content type %q", mt)
	}
	var sels []gqlRepoSel
	if err == nil {
		sels, err = parseGraphQL(req.Query, req.Variables)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests["POST graphql"]++
	g.rateHeaders(w, "graphql")
	if !g.authorizedLocked(r) {
		ghWrite(w, http.StatusUnauthorized, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/graphql"}`)
		return
	}
	if err != nil {
		g.errorf("github fake: a GraphQL request it does not know: %v", err)
		ghWrite(w, http.StatusOK, `{"errors":[{"message":"Parse error"}]}`)
		return
	}
	asked := 0
	for _, s := range sels {
		asked += len(s.pulls)
	}
	g.gqlPRs = append(g.gqlPRs, asked)
	if fault := g.nextFault("*", "graphql"); fault != nil {
		fault(w)
		return
	}
	data := map[string]any{}
	var errs []map[string]any
	for _, s := range sels {
		rp := g.repos[strings.ToLower(s.owner+"/"+s.name)]
		if rp == nil || rp.hidden {
			data[s.alias] = nil
			errs = append(errs, gqlError("NOT_FOUND", fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", s.owner, s.name), s.alias))
			continue
		}
		prs := map[string]any{}
		for _, p := range s.pulls {
			pr, ok := rp.prs[p.number]
			switch {
			case rp.denyPulls:
				prs[p.alias] = nil
				errs = append(errs, gqlError("FORBIDDEN", "Resource not accessible by personal access token", s.alias, p.alias))
			case !ok:
				prs[p.alias] = nil
				errs = append(errs, gqlError("NOT_FOUND", fmt.Sprintf("Could not resolve to a PullRequest with the number of %d.", p.number), s.alias, p.alias))
			case rp.omit[p.number]:
				prs[p.alias] = nil
			default:
				prs[p.alias] = gqlPRBody(p, pr)
			}
		}
		data[s.alias] = prs
	}
	out := map[string]any{"data": data}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	b, _ := json.Marshal(out)
	ghWrite(w, http.StatusOK, string(b))
}

func gqlError(typ, msg string, path ...string) map[string]any {
	return map[string]any{"type": typ, "path": path, "locations": []any{map[string]int{"line": 1, "column": 1}}, "message": msg}
}

func gqlPRBody(p gqlPullSel, pr ghPR) map[string]any {
	var closedAt, mergedAt any
	if pr.state != "open" {
		closedAt = pr.closedAt.Format(time.RFC3339)
	}
	if pr.state == "merged" {
		mergedAt = closedAt
	}
	all := map[string]any{
		"number": p.number, "state": strings.ToUpper(pr.state), "merged": pr.state == "merged",
		"mergedAt": mergedAt, "closedAt": closedAt,
	}
	out := map[string]any{}
	for _, f := range p.fields {
		out[f] = all[f]
	}
	return out
}

// parseGraphQL reads a query of the shape the fake knows, or says why not.
func parseGraphQL(q string, vars map[string]string) ([]gqlRepoSel, error) {
	m := gqlHead.FindStringSubmatch(q)
	if m == nil {
		return nil, fmt.Errorf("query %.80q is not query($…:String!…){…}", q)
	}
	declared := map[string]bool{}
	for _, d := range strings.Split(m[1], ",") {
		declared[strings.TrimSuffix(strings.TrimPrefix(d, "$"), ":String!")] = true
	}
	var out []gqlRepoSel
	s := m[2]
	for s = strings.TrimLeft(s, " "); s != ""; s = strings.TrimLeft(s, " ") {
		rm := gqlRepo.FindStringSubmatch(s)
		if rm == nil {
			return nil, fmt.Errorf("selection %.60q is not alias:repository(owner:$o,name:$n){…}", s)
		}
		for _, v := range rm[2:4] {
			if !declared[v] || vars[v] == "" {
				return nil, fmt.Errorf("variable $%s is not declared or not given", v)
			}
		}
		sel := gqlRepoSel{alias: rm[1], owner: vars[rm[2]], name: vars[rm[3]]}
		s = strings.TrimLeft(s[len(rm[0]):], " ")
		for !strings.HasPrefix(s, "}") {
			pm := gqlPull.FindStringSubmatch(s)
			if pm == nil {
				return nil, fmt.Errorf("selection %.60q is not alias:pullRequest(number:N){fields}", s)
			}
			n, err := strconv.Atoi(pm[2])
			if err != nil || n < 1 || n > 1<<31-1 {
				return nil, fmt.Errorf("number %s is not a positive Int", pm[2])
			}
			fields := strings.Fields(pm[3])
			for _, f := range fields {
				if !slices.Contains(gqlPRFields, f) {
					return nil, fmt.Errorf("field %q of PullRequest is not one the fake serves", f)
				}
			}
			sel.pulls = append(sel.pulls, gqlPullSel{alias: pm[1], number: n, fields: fields})
			s = strings.TrimLeft(s[len(pm[0]):], " ")
		}
		out = append(out, sel)
		s = s[1:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("query selects no repository")
	}
	return out, nil
}
