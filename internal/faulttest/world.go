package faulttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Dangling is what World.Contents says of a tag that the registry lists while
// its manifest is missing (HEAD answers 404): distribution 2.8 leaves such a tag
// when a manifest DELETE fails half-way.
const Dangling = "dangling: listed, manifest missing"

// World is a registry (distribution v3 in-process, or 2.8 as a child process)
// holding the fixture, reused from run to run: Restore puts back what a run
// deleted by pushing the recorded manifests again (deleting a manifest leaves
// its blobs), which is far cheaper than seeding anew.
type World struct {
	reg       *registrytest.Server
	fixture   Fixture
	indexes   map[string]bool        // digests of index manifests
	manifests map[string]rawManifest // by digest: every tagged manifest and every index's children
	blobs     map[string]bool        // "repo@digest" of the blobs Pull has fetched and checked
	hc        *http.Client
}

type rawManifest struct {
	mediaType string
	body      []byte
}

var acceptManifests = strings.Join([]string{"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", ")

// NewWorld starts a registry of this kind (KindV3 or KindDistribution28), seeds
// the fixture (Images, Indexes, then a signature of each Signed tag) and records
// its manifests. An error wrapping fs.ErrNotExist means 2.8 is not installed.
func NewWorld(ctx context.Context, kind registrytest.Kind) (*World, error) {
	var reg *registrytest.Server
	var err error
	switch kind {
	case registrytest.KindV3:
		reg, err = registrytest.NewV3(ctx)
	case registrytest.KindDistribution28:
		reg, err = registrytest.NewDistribution28(ctx, "")
	default:
		err = fmt.Errorf("faulttest: no registry of kind %q", kind)
	}
	if err != nil {
		return nil, err
	}
	w := &World{reg: reg, indexes: map[string]bool{}, manifests: map[string]rawManifest{}, blobs: map[string]bool{},
		hc: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
	if err := w.seed(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("seeding a %s world: %w", kind, err), w.Close())
	}
	return w, nil
}

func (w *World) seed(ctx context.Context) error {
	f := Fixture{Children: map[string][]string{}}
	var err error
	if f.Digests, err = w.reg.Seed(ctx, Images()); err != nil {
		return err
	}
	for _, idx := range Indexes() {
		s, err := w.reg.SeedIndex(ctx, idx.Repo, idx.Tag, idx.Children, idx.TagChildren)
		if err != nil {
			return err
		}
		maps.Copy(f.Digests, s.Tags)
		f.Children[s.Digest] = s.Children
		w.indexes[s.Digest] = true
	}
	var sigs []registrytest.Image
	for i, ref := range Signed() {
		repo, _, _ := strings.Cut(ref, ":")
		sigs = append(sigs, registrytest.Image{Repo: repo, Tag: SignatureTag(f.Digests[ref]), Seed: int64(7001 + i), OCI: true})
	}
	d, err := w.reg.Seed(ctx, sigs)
	if err != nil {
		return err
	}
	maps.Copy(f.Digests, d)
	w.fixture = f

	for ref, d := range f.Digests {
		repo, _, _ := strings.Cut(ref, ":")
		if err := w.record(ctx, repo, d); err != nil {
			return err
		}
	}
	for idx, children := range f.Children {
		repo := w.repoOf(idx)
		for _, c := range children {
			if err := w.record(ctx, repo, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// record keeps the manifest repo@digest, to push it again in Restore.
func (w *World) record(ctx context.Context, repo, digest string) error {
	if _, ok := w.manifests[digest]; ok {
		return nil
	}
	resp, err := w.send(ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+digest, nil, "")
	if err != nil {
		return err
	}
	if err := resp.ok(); err != nil {
		return err
	}
	w.manifests[digest] = rawManifest{mediaType: resp.header.Get("Content-Type"), body: resp.body}
	return nil
}

// repoOf returns the repository of a tag of the fixture pointing at digest.
func (w *World) repoOf(digest string) string {
	for _, ref := range slices.Sorted(maps.Keys(w.fixture.Digests)) {
		if w.fixture.Digests[ref] == digest {
			repo, _, _ := strings.Cut(ref, ":")
			return repo
		}
	}
	return ""
}

// Close stops the registry.
func (w *World) Close() error {
	w.hc.CloseIdleConnections()
	return w.reg.Close()
}

// Host returns the registry's "127.0.0.1:PORT".
func (w *World) Host() string { return w.reg.Host() }

// Kind says which registry the world runs.
func (w *World) Kind() registrytest.Kind { return w.reg.Kind() }

// Fixture returns what the world holds as seeded (a copy).
func (w *World) Fixture() Fixture {
	f := Fixture{Digests: maps.Clone(w.fixture.Digests), Children: map[string][]string{}}
	for k, v := range w.fixture.Children {
		f.Children[k] = slices.Clone(v)
	}
	return f
}

func (w *World) repos() []string {
	var repos []string
	for ref := range w.fixture.Digests {
		repo, _, _ := strings.Cut(ref, ":")
		repos = append(repos, repo)
	}
	slices.Sort(repos)
	return slices.Compact(repos)
}

// Contents reads, directly and without faults, every tag the registry lists in
// the fixture's repositories and the digest it points at (Dangling when its
// manifest is missing), keyed "repo:tag".
func (w *World) Contents(ctx context.Context) (map[string]string, error) {
	var refs []string
	for _, repo := range w.repos() {
		resp, err := w.send(ctx, http.MethodGet, "/v2/"+repo+"/tags/list?n=1000", nil, "")
		if err != nil {
			return nil, err
		}
		var list struct{ Tags []string }
		if err := resp.decode(&list); err != nil {
			return nil, err
		}
		for _, tag := range list.Tags {
			refs = append(refs, repo+":"+tag)
		}
	}
	out := make(map[string]string, len(refs))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, ref := range refs {
		g.Go(func() error {
			repo, tag, _ := strings.Cut(ref, ":")
			resp, err := w.send(gctx, http.MethodHead, "/v2/"+repo+"/manifests/"+tag, nil, "")
			if err != nil {
				return err
			}
			d := resp.header.Get("Docker-Content-Digest")
			if resp.status == http.StatusNotFound {
				d = Dangling
			} else if err := resp.ok(); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			out[ref] = d
			return nil
		})
	}
	return out, g.Wait()
}

// Restore brings the registry back to the fixture, given its current contents:
// it deletes any tag the fixture does not have (on 2.8, which cannot remove a tag
// alone, by deleting its manifest, unless the fixture uses that manifest: the
// world is then given up), pushes again every index child that is gone, then
// the manifest of every tag missing, moved or dangling, indexes last.
func (w *World) Restore(ctx context.Context, contents map[string]string) error {
	used := map[string]bool{}
	for ref, d := range w.fixture.Digests {
		repo, _, _ := strings.Cut(ref, ":")
		used[repo+"@"+d] = true
		for _, c := range w.fixture.Children[d] {
			used[repo+"@"+c] = true
		}
	}
	for _, ref := range slices.Sorted(maps.Keys(contents)) {
		if _, ok := w.fixture.Digests[ref]; ok {
			continue
		}
		repo, tag, _ := strings.Cut(ref, ":")
		target := tag
		if w.Kind() != registrytest.KindV3 {
			if d := contents[ref]; d == Dangling || used[repo+"@"+d] {
				return fmt.Errorf("restoring: %s is a tag the fixture does not have, on %s, which deletes tags only with their manifest %s", ref, w.Kind(), d)
			}
			target = contents[ref]
		}
		resp, err := w.send(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+target, nil, "")
		if err != nil {
			return err
		}
		if err := resp.ok(); err != nil && resp.status != http.StatusNotFound { // 404: went with an earlier one
			return err
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(w.fixture.Children)) {
		repo := w.repoOf(idx)
		for _, c := range w.fixture.Children[idx] {
			resp, err := w.send(ctx, http.MethodHead, "/v2/"+repo+"/manifests/"+c, nil, "")
			if err != nil {
				return err
			}
			if resp.status == http.StatusNotFound {
				if err := w.put(ctx, repo, c, c); err != nil {
					return err
				}
			}
		}
	}
	var todo []string
	for ref, want := range w.fixture.Digests {
		if contents[ref] != want {
			todo = append(todo, ref)
		}
	}
	slices.SortFunc(todo, func(a, b string) int { // images before indexes
		ia, ib := w.indexes[w.fixture.Digests[a]], w.indexes[w.fixture.Digests[b]]
		if ia != ib {
			return map[bool]int{false: -1, true: 1}[ia]
		}
		return strings.Compare(a, b)
	})
	for _, ref := range todo {
		repo, tag, _ := strings.Cut(ref, ":")
		if err := w.put(ctx, repo, tag, w.fixture.Digests[ref]); err != nil {
			return err
		}
	}
	return nil
}
