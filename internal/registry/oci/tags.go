package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// tagPageSizes are the n a tag listing asks for when Options.PageSize is not set,
// largest first. A registry that answers 400 to the first page is asked again with
// the next, and the n it accepts is kept for the client. What distribution does with
// n (tags.maxtags defaults to 1000): v3.0 serves any n; v3.1.0 answers 400
// PAGINATION_NUMBER_INVALID above maxtags; v3.1.1 and later serve maxtags and a
// Link; 2.8 ignores n and lists every tag at once.
var tagPageSizes = []int{10000, 1000, 100}

// Tags lists every tag of repo, following Link pages; a failed page fails the
// listing, and so does a Link already followed or a page that brings no new tag.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	r, err := c.repo(repo)
	if err != nil {
		return nil, err
	}
	if c.pageSize > 0 {
		return c.listTags(ctx, r, c.pageSize)
	}
	sizes := tagPageSizes
	if n := int(c.tagPageSz.Load()); n > 0 {
		sizes = []int{n}
	}
	for i, n := range sizes {
		tags, err := c.listTags(ctx, r, n)
		if i+1 < len(sizes) && errors.Is(err, errPageRefused) {
			c.log.Debug("the registry refused a tag page size", "registry", c.reg.Name(), "n", n)
			continue
		}
		if err == nil {
			c.tagPageSz.Store(int64(n))
		}
		return tags, err
	}
	return nil, nil // not reached: the last size returns
}

// errPageRefused marks a 400 to a listing's first page: the registry may not accept n.
var errPageRefused = errors.New("the registry refused the page size")

func (c *Client) listTags(ctx context.Context, r name.Repository, n int) ([]string, error) {
	next := &url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: "/v2/" + r.RepositoryStr() + "/tags/list", RawQuery: "n=" + strconv.Itoa(n)}
	guard := pageGuard{seen: map[string]bool{next.String(): true}}
	var tags []string
	listed := map[string]bool{}
	for page := 1; next != nil; page++ {
		got, link, status, err := c.tagPage(ctx, r, next)
		if err != nil {
			if page == 1 && status == http.StatusBadRequest {
				err = fmt.Errorf("%w (%w, n=%d)", err, errPageRefused, n)
			}
			return nil, fmt.Errorf("listing the tags of %s (page %d): %w", r.RepositoryStr(), page, err)
		}
		fresh := 0
		for _, t := range got {
			if !listed[t] {
				listed[t] = true
				tags = append(tags, t)
				fresh++
			}
		}
		if link != nil {
			if err := guard.next(link.String(), fresh); err != nil {
				return nil, fmt.Errorf("listing the tags of %s (page %d): %w", r.RepositoryStr(), page, err)
			}
		}
		next = link
	}
	return tags, nil
}

// tagPage reads one page of a tag listing and the next page's URL, if any.
func (c *Client) tagPage(ctx context.Context, r name.Repository, u *url.URL) (tags []string, next *url.URL, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, 0, err
	}
	resp, err := c.authed.RoundTrip(req)
	if err != nil {
		return nil, nil, 0, mapError(err)
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, nil, resp.StatusCode, mapError(err)
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, nil, resp.StatusCode, fmt.Errorf("reading the answer: %w", err)
	}
	next, err = nextLink(resp.Header.Values("Link"), u, r.RegistryStr())
	return body.Tags, next, resp.StatusCode, err
}

// nextLink returns the target of the Link header marked rel="next" (or of one
// without rel), resolved against the page it came with. It must name the
// registry's own host.
func nextLink(headers []string, base *url.URL, host string) (*url.URL, error) {
	for _, h := range headers {
		for _, l := range strings.Split(h, ",") {
			target, params, _ := strings.Cut(strings.TrimSpace(l), ";")
			if !isNext(params) {
				continue
			}
			target = strings.TrimSpace(target)
			if len(target) < 2 || target[0] != '<' || target[len(target)-1] != '>' {
				return nil, fmt.Errorf("reading the Link header %q: no <url>", h)
			}
			u, err := base.Parse(target[1 : len(target)-1])
			if err != nil {
				return nil, fmt.Errorf("reading the Link header %q: %w", h, err)
			}
			if u.Host != host {
				return nil, fmt.Errorf("the next page is on another host (%s)", u.Host)
			}
			u.Scheme = base.Scheme
			return u, nil
		}
	}
	return nil, nil
}

func isNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
			return slices.Contains(strings.Fields(strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`))), "next")
		}
	}
	return true
}

// pageGuard stops a listing whose next-page links go round in a circle or keep
// coming with pages that list nothing new: a listing that does not end is a failed
// listing, and nothing in the repository is deleted.
type pageGuard struct{ seen map[string]bool }

func (p *pageGuard) next(link string, fresh int) error {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	switch {
	case p.seen[link]:
		return fmt.Errorf("the registry's next-page link goes back to a page already read (%s)", link)
	case fresh == 0:
		return fmt.Errorf("the registry sent a page with nothing new and a link to another (%s)", link)
	}
	p.seen[link] = true
	return nil
}
