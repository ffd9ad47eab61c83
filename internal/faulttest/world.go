package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// BigRepo is the large repository of the fixture: BigTags PR tags over three
// pages of 50, a keep tag, a keep-pattern tag and a release sharing a PR tag's
// digest.
const (
	BigRepo = "big"
	BigTags = 120
)

// Images is the fixture: the classic image set and the large repository.
func Images() []registrytest.Image {
	images := append(registrytest.ClassicSet(), registrytest.ManyTags(BigRepo, "PR", BigTags)...)
	return append(images,
		registrytest.Image{Repo: BigRepo, Tag: "latest", Seed: 9001},
		registrytest.Image{Repo: BigRepo, Tag: "PR5004-keep", Seed: 9002},
		registrytest.Image{Repo: BigRepo, Tag: "release-1.0", SameAs: "PR5003-test"},
	)
}

// States returns the Azure DevOps status of every pull request of the fixture for
// one run: the classic ones as ClassicSet expects (3571 completed, 3574
// abandoned, the others active), those of the large repository drawn from seed,
// 5003 (whose tag shares a release's digest) and 5004 (whose other tag is kept by
// pattern) always completed.
func States(seed uint64) map[int]string {
	states := map[int]string{3571: "completed", 3574: "abandoned", 3561: "active", 3565: "active", 3589: "active"}
	rng := rand.New(rand.NewPCG(seed, 0x57a7e5))
	for i := range BigTags {
		switch u := rng.Float64(); {
		case u < 0.45:
			states[5000+i] = "completed"
		case u < 0.60:
			states[5000+i] = "abandoned"
		default:
			states[5000+i] = "active"
		}
	}
	states[5003], states[5004] = "completed", "completed"
	return states
}

// Keep patterns and tag rule of the suite's configuration, and the oracle's own
// reading of them.
var (
	keepPatterns = []string{`^latest$`, `-keep$`}
	tagRule      = `^PR(?P<pr>\d+)-`
	oracleKeep   = regexp.MustCompile(`^latest$|-keep$`)
	oraclePR     = regexp.MustCompile(`^PR0*([0-9]+)-`)
)

// ExpectedDeleted is what a correct sweep with these states deletes ("repo:tag",
// sorted): tags of completed or abandoned pull requests that no keep pattern
// protects.
func ExpectedDeleted(images []registrytest.Image, states map[int]string) []string {
	var out []string
	for _, img := range images {
		m := oraclePR.FindStringSubmatch(img.Tag)
		if oracleKeep.MatchString(img.Tag) || m == nil {
			continue
		}
		var pr int
		_, _ = fmt.Sscan(m[1], &pr)
		if s := states[pr]; s == "completed" || s == "abandoned" {
			out = append(out, img.Ref())
		}
	}
	slices.Sort(out)
	return out
}

// World is a distribution v3 registry holding Images, reused from run to run:
// Restore puts back what a run deleted by pushing the recorded manifests again
// (deleting a tag leaves its blobs), which is far cheaper than seeding anew.
type World struct {
	reg       *registrytest.Server
	images    []registrytest.Image
	digests   map[string]string // "repo:tag" → digest, as seeded
	manifests map[string]rawManifest
	hc        *http.Client
}

type rawManifest struct {
	mediaType string
	body      []byte
}

var acceptManifests = strings.Join([]string{"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", ")

// NewWorld starts a registry, seeds Images and records their manifests.
func NewWorld(ctx context.Context) (*World, error) {
	reg, err := registrytest.NewV3(ctx)
	if err != nil {
		return nil, err
	}
	w := &World{reg: reg, images: Images(), manifests: map[string]rawManifest{},
		hc: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
	if w.digests, err = reg.Seed(ctx, w.images); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	for _, img := range w.images {
		raw, err := w.get(ctx, img.Repo, img.Tag)
		if err != nil {
			return nil, errors.Join(err, w.Close())
		}
		w.manifests[img.Ref()] = raw
	}
	return w, nil
}

// Close stops the registry.
func (w *World) Close() error {
	w.hc.CloseIdleConnections()
	return w.reg.Close()
}

// Host returns the registry's "127.0.0.1:PORT".
func (w *World) Host() string { return w.reg.Host() }

// Images returns the fixture the world holds.
func (w *World) Images() []registrytest.Image { return slices.Clone(w.images) }

// Digests returns each tag's digest as seeded, keyed "repo:tag".
func (w *World) Digests() map[string]string {
	out := make(map[string]string, len(w.digests))
	for k, v := range w.digests {
		out[k] = v
	}
	return out
}

func (w *World) repos() []string {
	var repos []string
	for _, img := range w.images {
		repos = append(repos, img.Repo)
	}
	slices.Sort(repos)
	return slices.Compact(repos)
}

// Contents reads, directly and without faults, every tag of the fixture's
// repositories and the digest it points at, keyed "repo:tag".
func (w *World) Contents(ctx context.Context) (map[string]string, error) {
	var refs []string
	for _, repo := range w.repos() {
		var list struct{ Tags []string }
		if err := w.do(ctx, http.MethodGet, "/v2/"+repo+"/tags/list?n=1000", nil, "", &list, nil); err != nil {
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
			var h http.Header
			if err := w.do(gctx, http.MethodHead, "/v2/"+repo+"/manifests/"+tag, nil, "", nil, &h); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			out[ref] = h.Get("Docker-Content-Digest")
			return nil
		})
	}
	return out, g.Wait()
}

// Restore brings the registry back to the fixture, given its current contents:
// it pushes the recorded manifest of every tag missing or moved, and deletes any
// tag the fixture does not have.
func (w *World) Restore(ctx context.Context, contents map[string]string) error {
	for ref := range contents {
		if _, ok := w.digests[ref]; !ok {
			repo, tag, _ := strings.Cut(ref, ":")
			if err := w.do(ctx, http.MethodDelete, "/v2/"+repo+"/manifests/"+tag, nil, "", nil, nil); err != nil {
				return err
			}
		}
	}
	for ref, want := range w.digests {
		if contents[ref] == want {
			continue
		}
		repo, tag, _ := strings.Cut(ref, ":")
		m := w.manifests[ref]
		var h http.Header
		if err := w.do(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+tag, m.body, m.mediaType, nil, &h); err != nil {
			return err
		}
		if got := h.Get("Docker-Content-Digest"); got != want {
			return fmt.Errorf("restoring %s: the registry says %s, want %s", ref, got, want)
		}
	}
	return nil
}

func (w *World) get(ctx context.Context, repo, tag string) (rawManifest, error) {
	var h http.Header
	var body bytes.Buffer
	if err := w.do(ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+tag, nil, "", &body, &h); err != nil {
		return rawManifest{}, err
	}
	return rawManifest{mediaType: h.Get("Content-Type"), body: body.Bytes()}, nil
}

// do sends one request to the registry; into is a *bytes.Buffer for the raw body
// or a value to decode JSON into.
func (w *World) do(ctx context.Context, method, path string, body []byte, contentType string, into any, header *http.Header) error {
	req, err := http.NewRequestWithContext(ctx, method, w.reg.URL()+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", acceptManifests)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s %v", method, path, resp.StatusCode, b, err)
	}
	if header != nil {
		*header = resp.Header
	}
	switch v := into.(type) {
	case nil:
	case *bytes.Buffer:
		v.Write(b)
	default:
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}
