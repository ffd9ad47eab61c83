package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Params size a data set; the same Params give the same data set.
type Params struct {
	Repos, Tags int // repositories, and tags in each
	Seed        uint64
}

// State is a pull request's state as the benchmark draws it.
type State string

// The states of the mix. Missing pull requests are unknown to the source (404).
const (
	Open    State = "open"
	Merged  State = "merged"
	Closed  State = "closed"
	Missing State = "missing"
)

// Tag is one tag of the data set.
type Tag struct {
	Name   string
	Digest string
	PR     int    // the pull request of a PR tag; 0 for the others
	Sig    string // for a cosign signature tag (sha256-<hex>.sig): the digest it signs
}

// Manifest is one manifest of a repository.
type Manifest struct {
	Digest, MediaType string
	Body              []byte
	Children          []string // an index's manifests
}

// Repo is one repository: its blobs, its manifests in push order (an index's
// children before it) and its tags.
type Repo struct {
	Name      string
	Blobs     [][]byte
	Manifests []Manifest
	Tags      []Tag
}

// Dataset is what the benchmark seeds, and the pull requests' states.
type Dataset struct {
	Params
	Repos []Repo
	PRs   map[int]State // every pull request a tag names
}

// Shares of the tags, as drawn for each tag after a repository's "latest".
const (
	shareRelease   = 0.05 // 5.<repo>.<n>: no rule matches
	shareIndex     = 0.02 // an OCI index with two untagged children (7 in 10 a PR's)
	shareSig       = 0.01 // a cosign signature of an earlier tag's image, in every sigEvery-th repository
	sigEvery       = 3    // repositories with signatures: 0, 3, 6, …
	shareWithRel   = 0.03 // a PR tag on a release's image
	shareWithPR    = 0.03 // a PR tag on an earlier PR tag's image
	prFirst        = 1000 // the first PR number
	tagsPerPR      = 5    // about Repos×Tags/5 distinct pull requests
	stateOpen      = 0.30 // the state mix; missing is what is left
	stateMerged    = 0.45
	stateClosed    = 0.15
	prIndexPercent = 70
)

// Generate builds the data set of p.
func Generate(p Params) (*Dataset, error) {
	if p.Repos < 1 || p.Tags < 1 {
		return nil, fmt.Errorf("generating the data set: want at least 1 repository and 1 tag, got %d×%d", p.Repos, p.Tags)
	}
	pool := max(1, p.Repos*p.Tags/tagsPerPR)
	ds := &Dataset{Params: p, PRs: map[int]State{}}
	states := drawStates(p.Seed, pool)
	for i := range p.Repos {
		r := genRepo(p, i, pool)
		for _, t := range r.Tags {
			if t.PR != 0 {
				ds.PRs[t.PR] = states[t.PR-prFirst]
			}
		}
		ds.Repos = append(ds.Repos, r)
	}
	return ds, nil
}

func drawStates(seed uint64, pool int) []State {
	rng := rand.New(rand.NewPCG(seed, 0x5ea7e5))
	out := make([]State, pool)
	for i := range out {
		switch u := rng.Float64(); {
		case u < stateOpen:
			out[i] = Open
		case u < stateOpen+stateMerged:
			out[i] = Merged
		case u < stateOpen+stateMerged+stateClosed:
			out[i] = Closed
		default:
			out[i] = Missing
		}
	}
	return out
}

// repoGen builds one repository.
type repoGen struct {
	Repo
	config, layer       descriptor
	releases, prs, sigs []int           // indexes into Tags
	signed              map[string]bool // digests with a signature tag
}

func genRepo(p Params, i, pool int) Repo {
	rng := rand.New(rand.NewPCG(p.Seed, uint64(i)+1))
	g := &repoGen{Repo: Repo{Name: fmt.Sprintf("svc-%03d", i)}, signed: map[string]bool{}}
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := make([]byte, 512)
	for j := range layer {
		layer[j] = byte(rng.Uint32())
	}
	g.Blobs = [][]byte{cfg, layer}
	g.config = descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: registrytest.DigestOf(cfg), Size: len(cfg)}
	g.layer = descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: registrytest.DigestOf(layer), Size: len(layer)}

	g.tag("latest", g.image("latest", "amd64"), 0)
	for j := 1; j < p.Tags; j++ {
		pr := prFirst + rng.IntN(pool)
		prTag := fmt.Sprintf("PR%d-b%d", pr, j)
		switch u := rng.Float64(); {
		case u < shareRelease:
			name := fmt.Sprintf("5.%d.%d", i, j)
			g.releases = append(g.releases, g.tag(name, g.image(name, "amd64"), 0))
		case u < shareRelease+shareIndex:
			if rng.IntN(100) < prIndexPercent {
				g.prs = append(g.prs, g.tag(fmt.Sprintf("PR%d-multi%d", pr, j), g.index(j), pr))
			} else {
				g.releases = append(g.releases, g.tag(fmt.Sprintf("5.%d.%d-multiarch", i, j), g.index(j), 0))
			}
		case u < shareRelease+shareIndex+shareSig && i%sigEvery == 0 && g.sign(rng):
		case u < shareRelease+shareIndex+shareSig+shareWithRel && len(g.releases) > 0:
			rel := g.Tags[g.releases[rng.IntN(len(g.releases))]]
			g.prs = append(g.prs, g.tag(prTag, rel.Digest, pr))
		case u < shareRelease+shareIndex+shareSig+shareWithRel+shareWithPR && len(g.prs) > 0:
			other := g.Tags[g.prs[rng.IntN(len(g.prs))]]
			g.prs = append(g.prs, g.tag(prTag, other.Digest, pr))
		default:
			g.prs = append(g.prs, g.tag(prTag, g.image(prTag, "amd64"), pr))
		}
	}
	return g.Repo
}

func (g *repoGen) tag(name, digest string, pr int) int {
	g.Tags = append(g.Tags, Tag{Name: name, Digest: digest, PR: pr})
	return len(g.Tags) - 1
}

// sign adds a signature tag for the image of a random earlier tag that has
// none; false when it picked one that has.
func (g *repoGen) sign(rng *rand.Rand) bool {
	t := g.Tags[rng.IntN(len(g.Tags))]
	if t.Sig != "" || g.signed[t.Digest] {
		return false
	}
	g.signed[t.Digest] = true
	d := g.put(Manifest{MediaType: mediaManifest, Body: mustJSON(ociManifest{
		SchemaVersion: 2, MediaType: mediaManifest, Config: g.config,
		Layers: []descriptor{{MediaType: "application/vnd.dev.cosign.simplesigning.v1+json", Digest: g.layer.Digest, Size: g.layer.Size,
			Annotations: map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQ" + t.Digest[7:23]}}},
		Annotations: map[string]string{benchAnnotation: g.Name + "/sig/" + t.Name},
	})})
	name := "sha256-" + strings.TrimPrefix(t.Digest, "sha256:") + ".sig"
	g.Tags = append(g.Tags, Tag{Name: name, Digest: d, Sig: t.Digest})
	g.sigs = append(g.sigs, len(g.Tags)-1)
	return true
}

func (g *repoGen) image(id, arch string) string {
	return g.put(Manifest{MediaType: mediaManifest, Body: mustJSON(ociManifest{
		SchemaVersion: 2, MediaType: mediaManifest, Config: g.config, Layers: []descriptor{g.layer},
		Annotations: map[string]string{benchAnnotation: g.Name + "/" + id + "/" + arch},
	})})
}

func (g *repoGen) index(j int) string {
	id := fmt.Sprintf("index%d", j)
	var children []descriptor
	var digests []string
	for _, arch := range []string{"amd64", "arm64"} {
		d := g.image(id, arch)
		body := g.Manifests[len(g.Manifests)-1].Body
		children = append(children, descriptor{MediaType: mediaManifest, Digest: d, Size: len(body),
			Platform: &platform{Architecture: arch, OS: "linux"}})
		digests = append(digests, d)
	}
	return g.put(Manifest{MediaType: mediaIndex, Children: digests, Body: mustJSON(ociIndex{
		SchemaVersion: 2, MediaType: mediaIndex, Manifests: children,
		Annotations: map[string]string{benchAnnotation: g.Name + "/" + id},
	})})
}

func (g *repoGen) put(m Manifest) string {
	m.Digest = registrytest.DigestOf(m.Body)
	g.Manifests = append(g.Manifests, m)
	return m.Digest
}

// Counts says how many tags, PR tags and distinct pull requests the data set has.
func (ds *Dataset) Counts() (tags, prTags, prs int) {
	for _, r := range ds.Repos {
		for _, t := range r.Tags {
			tags++
			if t.PR != 0 {
				prTags++
			}
		}
	}
	return tags, prTags, len(ds.PRs)
}
