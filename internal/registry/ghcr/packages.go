package ghcr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"
)

// ownerKind is whose namespace the packages live in; it picks the API's paths.
type ownerKind string

const (
	orgOwner  ownerKind = "orgs"
	userOwner ownerKind = "users"
)

// ownerKind asks GitHub, once, whether the owner is an organisation or a user
// (GET /users/{owner}: type Organization or User).
func (c *Client) ownerKind(ctx context.Context) (ownerKind, error) {
	return c.kind.get(func() (ownerKind, error) {
		var u struct {
			Type string `json:"type"`
		}
		if _, err := c.getJSON(ctx, "/users/"+url.PathEscape(c.owner), &u); err != nil {
			return "", fmt.Errorf("reading the owner %s: %w", c.owner, err)
		}
		switch u.Type {
		case "Organization":
			return orgOwner, nil
		case "User", "Bot":
			return userOwner, nil
		}
		return "", fmt.Errorf("reading the owner %s: GitHub says it is a %q, neither a user nor an organisation", c.owner, u.Type)
	})
}

// packagesPath is /orgs/{owner}/packages or /users/{owner}/packages.
func (c *Client) packagesPath(ctx context.Context) (string, error) {
	k, err := c.ownerKind(ctx)
	if err != nil {
		return "", err
	}
	return "/" + string(k) + "/" + url.PathEscape(c.owner) + "/packages", nil
}

// packagePath is the path of one container package: its name (a repository path,
// which may hold slashes) escaped as one segment.
func (c *Client) packagePath(ctx context.Context, repo string) (string, error) {
	p, err := c.packagesPath(ctx)
	if err != nil {
		return "", err
	}
	return p + "/container/" + url.PathEscape(repo), nil
}

// pkg is the part of a package GitHub describes that prsweep reads.
type pkg struct {
	Name         string `json:"name"`
	PackageType  string `json:"package_type"`
	VersionCount int    `json:"version_count"`
	Visibility   string `json:"visibility"`
}

// Repositories lists the owner's container packages (GET
// /orgs|users/{owner}/packages?package_type=container, every page): their names
// are the repository paths under ghcr.io/OWNER/.
func (c *Client) Repositories(ctx context.Context) ([]string, error) {
	p, err := c.packagesPath(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the container packages of %s: %w", c.owner, err)
	}
	var names []string
	err = c.pages(ctx, p+"?package_type=container&per_page="+strconv.Itoa(c.pageSize), func(body []byte) error {
		var page []pkg
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		for _, p := range page {
			if p.Name == "" {
				return fmt.Errorf("a package without a name")
			}
			names = append(names, p.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the container packages of %s: %w", c.owner, err)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// getPackage reads one container package.
func (c *Client) getPackage(ctx context.Context, repo string) (pkg, error) {
	p, err := c.packagePath(ctx, repo)
	if err != nil {
		return pkg{}, err
	}
	var out pkg
	if _, err := c.getJSON(ctx, p, &out); err != nil {
		return pkg{}, fmt.Errorf("reading the container package %s: %w", repo, err)
	}
	return out, nil
}

// onceValue computes a value once; a failure is not kept, so the next call tries
// again.
type onceValue[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
}

func (o *onceValue[T]) get(f func() (T, error)) (T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return o.v, nil
	}
	v, err := f()
	if err != nil {
		return v, err
	}
	o.v, o.done = v, true
	return v, nil
}

// onceMap is a onceValue per key.
type onceMap[T any] struct {
	mu sync.Mutex
	m  map[string]*onceValue[T]
}

func (o *onceMap[T]) get(key string, f func() (T, error)) (T, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*onceValue[T]{}
	}
	v := o.m[key]
	if v == nil {
		v = &onceValue[T]{}
		o.m[key] = v
	}
	o.mu.Unlock()
	return v.get(f)
}
