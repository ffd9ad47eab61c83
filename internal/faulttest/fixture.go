package faulttest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// BigRepo is the large repository of the fixture: BigTags PR tags over three
// pages of 50, a keep tag, a keep-pattern tag and a release sharing a PR tag's
// digest. AppRepo holds the shapes that break naive cleaners: indexes, tagged
// children, a kept index's child that a PR tag shares, and signature tags.
const (
	BigRepo = "big"
	BigTags = 120
	AppRepo = "app"
)

// Images is the fixture's plain images: the classic image set, the large
// repository, and AppRepo's single images and the tagged child of its release
// index (the same image as that child, so the same digest).
func Images() []registrytest.Image {
	images := append(registrytest.ClassicSet(), registrytest.ManyTags(BigRepo, "PR", BigTags)...)
	return append(images,
		registrytest.Image{Repo: BigRepo, Tag: "latest", Seed: 9001},
		registrytest.Image{Repo: BigRepo, Tag: "PR5004-keep", Seed: 9002},
		registrytest.Image{Repo: BigRepo, Tag: "release-1.0", SameAs: "PR5003-test"},
		registrytest.Image{Repo: AppRepo, Tag: "PR6003-amd64", Seed: 6031, OCI: true, Platform: "linux/amd64"},
		registrytest.Image{Repo: AppRepo, Tag: "stable", Seed: 6040},
		registrytest.Image{Repo: AppRepo, Tag: "PR6004-test", SameAs: "stable"},
		registrytest.Image{Repo: AppRepo, Tag: "PR6005-test", Seed: 6050},
		registrytest.Image{Repo: AppRepo, Tag: "PR6006-test", Seed: 6060},
	)
}

// Index is a multi-platform index of the fixture (registrytest.SeedIndex).
type Index struct {
	Repo, Tag   string
	Children    []registrytest.Image
	TagChildren bool // each child also tagged <tag>-<arch>
}

// Indexes is the fixture's indexes, all in AppRepo: a PR's OCI index with
// untagged children, a PR's Docker list whose children carry the PR's tags too,
// and a kept release index whose amd64 child is also PR6003-amd64 (Images).
func Indexes() []Index {
	oci := func(seed int64, platform string) registrytest.Image {
		return registrytest.Image{Seed: seed, OCI: true, Platform: platform}
	}
	docker := func(seed int64, platform string) registrytest.Image {
		return registrytest.Image{Seed: seed, Platform: platform}
	}
	return []Index{
		{Repo: AppRepo, Tag: "PR6001-multi", Children: []registrytest.Image{oci(6011, "linux/amd64"), oci(6012, "linux/arm64")}},
		{Repo: AppRepo, Tag: "PR6002-list", Children: []registrytest.Image{docker(6021, "linux/amd64"), docker(6022, "linux/arm64")}, TagChildren: true},
		{Repo: AppRepo, Tag: "release-2.0", Children: []registrytest.Image{oci(6031, "linux/amd64"), oci(6032, "linux/arm64")}},
	}
}

// Signed lists the tags ("repo:tag") whose manifest gets a cosign-style
// signature tag, sha256-<hex>.sig: a deleted image, a deleted index, an image a
// kept tag shares (twice), a kept index's child that a PR tag shares, and images
// whose PR's state the seed draws.
func Signed() []string {
	return []string{
		AppRepo + ":PR6001-multi", AppRepo + ":PR6003-amd64", AppRepo + ":stable",
		AppRepo + ":PR6005-test", AppRepo + ":PR6006-test",
		BigRepo + ":release-1.0", BigRepo + ":PR5010-test",
	}
}

// SignatureTag is the tag of the signature of the manifest with this digest.
func SignatureTag(digest string) string { return strings.Replace(digest, ":", "-", 1) + ".sig" }

// Fixture is what a world holds, as seeded.
type Fixture struct {
	Digests  map[string]string   // "repo:tag" → digest
	Children map[string][]string // an index's digest → its children's digests
}

// States returns the Azure DevOps status of every pull request of the fixture for
// one run: the classic ones as ClassicSet expects (3571 completed, 3574
// abandoned, the others active), those of the large repository drawn from seed,
// 5003 (whose tag shares a release's digest) and 5004 (whose other tag is kept by
// pattern) always completed; AppRepo's 6001-6005 completed or abandoned, 6006
// drawn.
func States(seed uint64) map[int]string {
	states := map[int]string{3571: "completed", 3574: "abandoned", 3561: "active", 3565: "active", 3589: "active"}
	rng := rand.New(rand.NewPCG(seed, 0x57a7e5))
	draw := func() string {
		switch u := rng.Float64(); {
		case u < 0.45:
			return "completed"
		case u < 0.60:
			return "abandoned"
		}
		return "active"
	}
	for i := range BigTags {
		states[5000+i] = draw()
	}
	states[5003], states[5004] = "completed", "completed"
	for pr := 6001; pr <= 6006; pr++ {
		states[pr] = draw()
		if pr != 6006 && states[pr] == "active" {
			states[pr] = "completed"
		}
	}
	return states
}

// Setup is the part of a run's configuration that varies with the seed.
type Setup struct {
	Registry    registrytest.Kind
	Untagged    string // keep | delete
	Referrers   string // delete | keep
	Concurrency int
}

// SetupFor draws the configuration of a run from its seed; registry says which
// registry the run sweeps.
func SetupFor(seed uint64, registry registrytest.Kind) Setup {
	rng := rand.New(rand.NewPCG(seed, 0xc0f16))
	s := Setup{Registry: registry, Untagged: "keep", Referrers: "delete", Concurrency: []int{2, 4, 8}[rng.IntN(3)]}
	if rng.IntN(2) == 0 {
		s.Untagged = "delete"
	}
	if rng.IntN(4) == 0 {
		s.Referrers = "keep"
	}
	return s
}

func (s Setup) String() string {
	return fmt.Sprintf("registry %s, untagged: %s, referrers: %s, concurrency: %d", s.Registry, s.Untagged, s.Referrers, s.Concurrency)
}

// Keep patterns and tag rule of the suite's configuration, and the oracle's own
// reading of them.
var (
	keepPatterns = []string{`^latest$`, `-keep$`}
	tagRule      = `^PR(?P<pr>\d+)-`
	oracleKeep   = regexp.MustCompile(`^latest$|-keep$`)
	oraclePR     = regexp.MustCompile(`^PR0*([0-9]+)-`)
	oracleSig    = regexp.MustCompile(`^sha256-([0-9a-f]{64})\.sig$`)
)

// ExpectedDeleted is what a correct sweep with these states and this setup
// deletes ("repo:tag", sorted): tags of completed or abandoned pull requests that
// no keep pattern protects, and (referrers: delete) the signature tag of a
// manifest such a tag points at, unless a tag that stays points at that manifest
// or at an index holding it.
func ExpectedDeleted(f Fixture, states map[int]string, s Setup) []string {
	deleted := map[string]bool{}
	for ref := range f.Digests {
		_, tag, _ := strings.Cut(ref, ":")
		m := oraclePR.FindStringSubmatch(tag)
		if oracleKeep.MatchString(tag) || m == nil {
			continue
		}
		var pr int
		_, _ = fmt.Sscan(m[1], &pr)
		if st := states[pr]; st == "completed" || st == "abandoned" {
			deleted[ref] = true
		}
	}
	if s.Referrers != "keep" {
		gone, held := map[string]bool{}, map[string]bool{} // "repo@digest"
		var hold func(repo, d string)
		hold = func(repo, d string) {
			held[repo+"@"+d] = true
			for _, c := range f.Children[d] {
				hold(repo, c)
			}
		}
		for ref, d := range f.Digests {
			repo, tag, _ := strings.Cut(ref, ":")
			switch {
			case oracleSig.MatchString(tag):
			case deleted[ref]:
				gone[repo+"@"+d] = true
			default:
				hold(repo, d)
			}
		}
		for ref := range f.Digests {
			repo, tag, _ := strings.Cut(ref, ":")
			if m := oracleSig.FindStringSubmatch(tag); m != nil {
				key := repo + "@sha256:" + m[1]
				deleted[ref] = gone[key] && !held[key]
			}
		}
	}
	var out []string
	for ref, d := range deleted {
		if d {
			out = append(out, ref)
		}
	}
	slices.Sort(out)
	return out
}

// Config is the suite's configuration for a registry at registryHost and an Azure
// DevOps organisation at adoURL, the token in $ADO_TOKEN, with the setup's
// untagged, referrers and concurrency.
func Config(registryHost, adoURL string, s Setup) []byte {
	return fmt.Appendf(nil, `registry:
  url: http://%s
sources:
  - name: ado
    type: azuredevops
    url: %s
    project: Jarvis
    token: ${ADO_TOKEN}
rules:
  - tags: '%s'
    source: ado
    delete: [merged, closed]
keep: ['%s']
untagged: %s
referrers: %s
concurrency: %d
`, registryHost, adoURL, tagRule, strings.Join(keepPatterns, "', '"), cmp.Or(s.Untagged, "keep"), cmp.Or(s.Referrers, "delete"), cmp.Or(s.Concurrency, 4))
}
