package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// OriginalJob is what the original script's algorithm needs. That algorithm,
// as the PowerShell script ran it: list the repositories; list each one's tags;
// for each tag matching the rule, ask the source for its pull request (one
// request per tag: no cache) and, if the pull request is completed or abandoned,
// delete the tag by reference — all one request at a time. On distribution it
// sends DELETE /v2/<repo>/manifests/<tag>; where only manifests can be deleted
// (DeleteByDigest, distribution 2.8) it reads the tag's digest with a HEAD and
// deletes that; on ACR it untags with ACR's API (Remove-AzContainerRegistryTag).
// It knows nothing of shared digests or signatures.
type OriginalJob struct {
	Registry       string   `json:"registry"`
	RegistryURL    string   `json:"registryURL"` // http://host:port (distribution)
	DeleteByDigest bool     `json:"deleteByDigest"`
	DryRun         bool     `json:"dryRun"` // count what would go, delete nothing
	ACR            ACRLogin `json:"acr"`
	SourceURL      string   `json:"sourceURL"` // the Azure DevOps organisation
	Project        string   `json:"project"`
	Token          string   `json:"token"`
	TagPattern     string   `json:"tagPattern"` // with a named group pr
}

// ACRLogin is how the original algorithm signs in to the ACR fake.
type ACRLogin struct {
	Host, CAPEM, Authority   string
	Tenant, ClientID, Secret string
}

// origRegistry is what the original algorithm asks of a registry.
type origRegistry interface {
	repositories(ctx context.Context) ([]string, error)
	tags(ctx context.Context, repo string) ([]string, error)
	delete(ctx context.Context, repo, tag string) error
}

func runOriginal(ctx context.Context, o OriginalJob) (JobResult, error) {
	re, err := regexp.Compile(o.TagPattern)
	if err != nil {
		return JobResult{}, err
	}
	c := newClient(1)
	defer c.CloseIdleConnections()
	var reg origRegistry = ociRegistry{c: c, base: o.RegistryURL, byDigest: o.DeleteByDigest}
	if o.Registry == RegistryACR {
		if reg, err = newACRRegistry(o.ACR); err != nil {
			return JobResult{}, err
		}
	}
	repos, err := reg.repositories(ctx)
	if err != nil {
		return JobResult{}, err
	}
	var res JobResult
	for _, repo := range repos {
		tags, err := reg.tags(ctx, repo)
		if err != nil {
			res.Failed++
			continue
		}
		for _, tag := range tags {
			m := re.FindStringSubmatch(tag)
			if m == nil {
				res.Preserved++
				continue
			}
			status, err := prStatus(ctx, c, o, m[re.SubexpIndex("pr")])
			switch {
			case err != nil:
				res.Failed++
			case status != "completed" && status != "abandoned":
				res.Preserved++
			case o.DryRun:
				res.Deleted++
			case reg.delete(ctx, repo, tag) != nil:
				res.Failed++
			default:
				res.Deleted++
			}
		}
	}
	return res, ctx.Err()
}

// prStatus asks Azure DevOps for a pull request's status ("" when it has none).
func prStatus(ctx context.Context, c *http.Client, o OriginalJob, pr string) (string, error) {
	u := fmt.Sprintf("%s/%s/_apis/git/pullrequests/%s?api-version=7.1", o.SourceURL, url.PathEscape(o.Project), pr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+o.Token)))
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", nil
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("reading pull request %s: HTTP %d", pr, resp.StatusCode)
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	return body.Status, err
}

// ociRegistry is the distribution API over plain http.
type ociRegistry struct {
	c        *http.Client
	base     string
	byDigest bool
}

func (r ociRegistry) repositories(ctx context.Context) ([]string, error) {
	return r.list(ctx, "/v2/_catalog?n=1000", "repositories")
}

func (r ociRegistry) tags(ctx context.Context, repo string) ([]string, error) {
	return r.list(ctx, "/v2/"+repo+"/tags/list", "tags")
}

// list follows the Link pages of a listing and returns the values under key.
func (r ociRegistry) list(ctx context.Context, next, key string) ([]string, error) {
	var all []string
	for next != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+next, nil)
		if err != nil {
			return nil, err
		}
		resp, err := r.c.Do(req)
		if err != nil {
			return nil, err
		}
		var page map[string]json.RawMessage
		var values []string
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err == nil && page[key] != nil {
			err = json.Unmarshal(page[key], &values)
		}
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, fmt.Errorf("listing %s: HTTP %d (%v)", next, resp.StatusCode, err)
		}
		all = append(all, values...)
		next = ""
		if l := resp.Header.Get("Link"); strings.HasPrefix(l, "<") && strings.Contains(l, ">") {
			next = l[1:strings.Index(l, ">")]
		}
	}
	return all, nil
}

func (r ociRegistry) delete(ctx context.Context, repo, tag string) error {
	ref := tag
	if r.byDigest {
		resp, err := send(ctx, r.c, http.MethodHead, r.base+"/v2/"+repo+"/manifests/"+tag, "", nil)
		if err != nil {
			return err
		}
		if ref = resp.Header.Get("Docker-Content-Digest"); resp.StatusCode != http.StatusOK || ref == "" {
			return fmt.Errorf("reading %s:%s: HTTP %d", repo, tag, resp.StatusCode)
		}
	}
	resp, err := send(ctx, r.c, http.MethodDelete, r.base+"/v2/"+repo+"/manifests/"+ref, "", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted {
		return errors.New("deleting " + repo + ":" + tag + ": " + resp.Status)
	}
	return nil
}
