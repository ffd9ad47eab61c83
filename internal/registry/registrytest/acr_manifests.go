package registrytest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The backend registry has no API that lists a repository's manifests, so the fake
// knows a manifest once it has seen it: as the target of a tag, as the child of an
// index it knows, or because a tag was untagged or moved through the fake. Until a
// deletion removes it from the backend, such a manifest stays in the listing, tagged
// or not, as ACR keeps an untagged manifest.

// WithACRHiddenTagsInManifestListing makes GET /acr/v1/{repo}/_manifests name, among a
// manifest's tags, those whose listEnabled is false. ACR documents listEnabled only as
// whether the item "shows in list operation results"; whether a hidden tag's name
// still shows in its manifest's tags there is not documented. By default the fake
// leaves it out (the pessimistic reading for a client); GET
// /acr/v1/{repo}/_manifests/{digest}, which reads one manifest and lists nothing,
// always names every tag.
func WithACRHiddenTagsInManifestListing() ACROption {
	return func(a *ACR) { a.hiddenTagsListed = true }
}

// remember notes manifests of repo that the listing must show while they exist.
func (a *ACR) remember(repo string, digests ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen.add(repo, digests...)
}

func (a *ACR) remembered(repo string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen.of(repo)
}

// repoManifests returns every manifest of repo the fake knows (see above) and the
// tags on each, by digest.
func (a *ACR) repoManifests(ctx context.Context, repo string) (map[string]backendManifest, map[string][]string, error) {
	tags, err := a.backend.tags(ctx, repo)
	if err != nil {
		return nil, nil, err
	}
	tagged := map[string][]string{}
	queue := a.remembered(repo)
	for _, t := range tags {
		tagged[t.digest] = append(tagged[t.digest], t.name)
		queue = append(queue, t.digest)
	}
	found, err := a.backend.manifests(ctx, repo, queue)
	if err != nil {
		return nil, nil, err
	}
	digests := make([]string, 0, len(found))
	for d := range found {
		digests = append(digests, d)
	}
	a.remember(repo, digests...)
	return found, tagged, nil
}

// manifestsList serves GET /acr/v1/{repo}/_manifests (n, last, orderby): the
// repository's manifests with their attributes, by digest or, with orderby, by time,
// followed by a Link to the next page. A manifest whose listEnabled is false is left
// out, and so are hidden tags unless WithACRHiddenTagsInManifestListing. Like the
// sample in ACR's REST reference, an entry carries no references (an index's
// children): GET /acr/v1/{repo}/_manifests/{digest} or the manifest itself has them.
func (a *ACR) manifestsList(w http.ResponseWriter, r *http.Request, repo string) {
	if !a.authorize(w, r, "repository", repo, "metadata_read") {
		return
	}
	found, tagged, err := a.repoManifests(r.Context(), repo)
	switch {
	case errors.Is(err, errNoSuch):
		acrJSONError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	case err != nil:
		acrJSONError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	var digests []string
	for d := range found {
		if a.attributes(repo + "@" + d).ListEnabled {
			digests = append(digests, d)
		}
	}
	q := r.URL.Query()
	orderby := q.Get("orderby")
	slices.SortFunc(digests, func(x, y string) int {
		tx, ty := a.createdTime(repo+"@"+x), a.createdTime(repo+"@"+y)
		switch {
		case orderby == "timedesc" && !tx.Equal(ty):
			return ty.Compare(tx)
		case orderby == "timeasc" && !tx.Equal(ty):
			return tx.Compare(ty)
		}
		return strings.Compare(x, y)
	})
	page, last, ok := pageOf(w, r, digests, func(d string) string { return d })
	if !ok {
		return
	}
	if last != "" {
		w.Header().Set("Link", fmt.Sprintf(`</acr/v1/%s/_manifests?last=%s&n=%s&orderby=%s>; rel="next"`,
			repo, url.QueryEscape(last), q.Get("n"), url.QueryEscape(orderby)))
	}
	items := make([]map[string]any, 0, len(page))
	for _, d := range page {
		names := []string{}
		for _, t := range tagged[d] {
			if a.hiddenTagsListed || a.attributes(repo+":"+t).ListEnabled {
				names = append(names, t)
			}
		}
		slices.Sort(names)
		items = append(items, a.manifestJSON(repo, found[d], names))
	}
	writeJSON(w, http.StatusOK, map[string]any{"registry": a.Host(), "imageName": repo, "manifests": items})
}

// manifestJSON is a manifest's attributes as ACR gives them, without references.
func (a *ACR) manifestJSON(repo string, m backendManifest, tags []string) map[string]any {
	info := parseManifest(m)
	created := a.createdTime(repo + "@" + m.digest).Format(time.RFC3339Nano)
	attrs := map[string]any{"digest": m.digest, "imageSize": info.size, "createdTime": created, "lastUpdateTime": created,
		"mediaType": m.mediaType, "tags": tags, "changeableAttributes": attrsJSON(a.attributes(repo + "@" + m.digest))}
	if info.configMediaType != "" {
		attrs["configMediaType"] = info.configMediaType
	}
	return attrs
}
