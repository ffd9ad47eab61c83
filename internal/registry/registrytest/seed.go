package registrytest

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

// Image is one tag to seed. The image behind it is built from Seed, Platform and OCI
// alone, so the same values give the same digest on every run and every registry.
type Image struct {
	Repo string // repository, e.g. "jarvis" or "team/app/api"
	Tag  string
	Seed int64 // seeds the two layers (math/rand) and the config label prsweep.seed
	// SameAs names another tag of the same repository in the same call whose image
	// this tag gets too (same digest). Seed, Platform and OCI are then ignored.
	SameAs   string
	Platform string // "os/arch[/variant]"; "linux/amd64" when empty
	OCI      bool   // OCI media types instead of Docker schema 2
}

// Ref returns "repo:tag", the key of the maps Seed returns.
func (i Image) Ref() string { return i.Repo + ":" + i.Tag }

// seedConcurrency is how many pushes run at once.
const seedConcurrency = 4

// SeedOption configures Seed and SeedIndex.
type SeedOption func(*seedOptions)

type seedOptions struct {
	auth authn.Authenticator
}

// SeedBasicAuth pushes with these basic-auth credentials instead of anonymously.
func SeedBasicAuth(user, pass string) SeedOption {
	return func(o *seedOptions) { o.auth = &authn.Basic{Username: user, Password: pass} }
}

// Seed pushes images to the registry at host ("127.0.0.1:PORT") over plain HTTP and
// returns each tag's manifest digest, keyed "repo:tag". Pushes share one transport and
// run a few at a time.
func Seed(ctx context.Context, host string, images []Image, opts ...SeedOption) (map[string]string, error) {
	built, err := buildAll(images)
	if err != nil {
		return nil, err
	}
	p, err := newPusher(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer p.close()

	digests := make(map[string]string, len(images))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedConcurrency)
	for i, img := range images {
		g.Go(func() error {
			d, err := p.push(gctx, host, img.Repo, img.Tag, built[i])
			if err != nil {
				return err
			}
			mu.Lock()
			digests[img.Ref()] = d
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return digests, nil
}

// buildAll builds the image of every entry, resolving SameAs within the same repository.
func buildAll(images []Image) ([]v1.Image, error) {
	byRef := make(map[string]Image, len(images))
	for _, img := range images {
		if img.Repo == "" || img.Tag == "" {
			return nil, fmt.Errorf("seeding %q: repository and tag are required", img.Ref())
		}
		if _, dup := byRef[img.Ref()]; dup {
			return nil, fmt.Errorf("seeding %s: listed twice", img.Ref())
		}
		byRef[img.Ref()] = img
	}
	built := make([]v1.Image, len(images))
	for i, img := range images {
		src := img
		for hops := 0; src.SameAs != ""; hops++ {
			next, ok := byRef[src.Repo+":"+src.SameAs]
			if !ok || hops > len(images) {
				return nil, fmt.Errorf("seeding %s: SameAs %q is not a tag of %s in this set (or a loop)", img.Ref(), src.SameAs, img.Repo)
			}
			src = next
		}
		b, err := buildImage(src)
		if err != nil {
			return nil, fmt.Errorf("seeding %s: %w", img.Ref(), err)
		}
		built[i] = b
	}
	return built, nil
}

// pusher is one ggcr Pusher over one transport, shared by all pushes of a call.
type pusher struct {
	tr *http.Transport
	p  *remote.Pusher
}

func newPusher(ctx context.Context, opts []SeedOption) (*pusher, error) {
	o := seedOptions{auth: authn.Anonymous}
	for _, opt := range opts {
		opt(&o)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * seedConcurrency
	p, err := remote.NewPusher(
		remote.WithContext(ctx),
		remote.WithTransport(tr),
		remote.WithAuth(o.auth),
		remote.WithUserAgent("prsweep-registrytest"),
		remote.WithJobs(2),
	)
	if err != nil {
		return nil, fmt.Errorf("creating the image pusher: %w", err)
	}
	return &pusher{tr: tr, p: p}, nil
}

func (p *pusher) close() { p.tr.CloseIdleConnections() }

// push pushes t (a v1.Image or v1.ImageIndex) to host/repo:tag and returns its digest.
func (p *pusher) push(ctx context.Context, host, repo, tag string, t remote.Taggable) (string, error) {
	ref, err := name.NewTag(host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("seeding %s:%s: %w", repo, tag, err)
	}
	if err := p.p.Push(ctx, ref, t); err != nil {
		return "", fmt.Errorf("seeding %s:%s: %w", repo, tag, err)
	}
	d, err := digestOf(t)
	if err != nil {
		return "", fmt.Errorf("seeding %s:%s: %w", repo, tag, err)
	}
	return d, nil
}

func digestOf(t remote.Taggable) (string, error) {
	type digester interface{ Digest() (v1.Hash, error) }
	d, ok := t.(digester)
	if !ok {
		return "", fmt.Errorf("computing the digest of a %T", t)
	}
	h, err := d.Digest()
	if err != nil {
		return "", fmt.Errorf("computing the digest: %w", err)
	}
	return h.String(), nil
}
