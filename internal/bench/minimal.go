package bench

// Minimal is the fewest requests a correct sweep of a data set can send, with
// prsweep's defaults (delete [merged, closed], keep ^latest$, untagged: keep,
// referrers: delete), kept apart by side.
//
// Every registry: one ping of /v2/ (one transport), the catalog in pages of 1,000
// (distribution sends a Link after every full page: ⌊R/1000⌋+1 pages), each
// repository's tags in one page (distribution answers every tag to a tags/list
// without n), and, when anything is deleted, one probe of how the registry
// deletes and one of whether it has the referrers API. Then, where:
//
//   - the registry deletes a tag alone (distribution v3, the memory registry):
//     per deleted tag one HEAD (the re-check, which also gives the digest) and one
//     DELETE of the tag; per repository with a deletion one listing read back;
//     and in a repository where a deleted tag's image has a signature tag
//     (sha256-<hex>.sig), one read of every tag that stays (HEAD; GET for an
//     index, for its children), to prove no kept tag or index holds the image.
//   - the registry deletes only manifests (distribution 2.8): in each
//     repository with a deletion, every tag read before deciding (HEAD; GET for
//     an index) and read again just before deleting (HEAD); one DELETE per
//     deleted digest no kept tag holds (it removes every deleted tag on it); per
//     deleted tag whose digest a kept tag holds, one PUT of a throwaway manifest
//     onto the tag and one DELETE of it, and one blob upload per repository for
//     the throwaway's config; one listing read back. Where digests go in a later
//     wave (the children of a deleted index, a deleted image's signature), every
//     tag still there is read once more just before it (HEAD; GET for an index):
//     a tag moved onto one of them keeps it.
//   - ACR (type acr, its own API; pages of 100, acr purge's size): one refresh
//     token exchange and an access token for the catalog and per repository;
//     the catalog; per repository the _manifests listing (digests, tags, media
//     types, locks; untagged children included); per repository with a deletion
//     one read of the repository (its lock), a re-check (the _manifests
//     listing read again, or GET _tags/{tag} of each deleted tag where that is
//     fewer) and the _tags listing read back; per deleted tag one untag; where a
//     deleted image has a signature tag, one read of each kept index (its
//     references, which the listing does not carry); and one Entra token at the
//     authority.
//
// Source: one read per distinct pull request a PR tag names.
type Minimal struct {
	Registry  map[string]int `json:"registry"`
	Source    int            `json:"source"`
	Authority int            `json:"authority"`
}

// Total is the registry side's sum.
func (m Minimal) Total() int {
	n := 0
	for _, v := range m.Registry {
		n += v
	}
	return n
}

// Deletion methods a registry offers, for Minimal.
const (
	methodUntag  = "untag"  // DELETE of a tag removes the tag alone
	methodDigest = "digest" // only manifests can be deleted
	methodACR    = "acr"    // ACR's own API
)

// ComputeMinimal computes the minimal count for ds, expected e, and a registry
// deleting by method.
func ComputeMinimal(ds *Dataset, e Expected, method string) Minimal {
	m := Minimal{Registry: map[string]int{}, Source: len(ds.PRs)}
	add := func(kind string, n int) {
		if n > 0 {
			m.Registry[kind] += n
		}
	}
	if method == methodACR {
		add(KindToken, 2+len(ds.Repos))
		add(KindCatalog, ceilPages(len(ds.Repos), 100))
		m.Authority = 1
	} else {
		add(KindPing, 1)
		add(KindCatalog, len(ds.Repos)/1000+1)
		add(KindTagsList, len(ds.Repos))
		if e.Deleted > 0 {
			add(KindManifestDelete, 1)
			add(KindReferrers, 1)
		}
	}
	for _, r := range ds.Repos {
		rm := newRepoModel(r, e)
		if method == methodACR {
			add(KindACRManifests, ceilPages(len(r.Manifests), 100))
		}
		if len(rm.gone) == 0 {
			continue
		}
		switch method {
		case methodUntag:
			add(KindManifestHead, len(rm.gone))
			add(KindManifestDelete, len(rm.gone))
			add(KindTagsList, 1)
			if rm.signedGone {
				heads, gets := rm.keptReads()
				add(KindManifestHead, heads)
				add(KindManifestGet, gets)
			}
		case methodDigest:
			heads, gets := rm.allReads()
			add(KindManifestHead, heads+len(r.Tags))
			add(KindManifestGet, gets)
			digests, throwaways := rm.digestDeletes()
			add(KindManifestDelete, digests+throwaways)
			add(KindManifestPut, throwaways)
			if rm.laterWave() {
				heads, gets := rm.keptReads()
				add(KindManifestHead, heads+rm.signaturesGone())
				add(KindManifestGet, gets)
			}
			if throwaways > 0 {
				add(KindBlob, 1)
			}
			add(KindTagsList, 1)
		case methodACR:
			add(KindACRRepository, 1)
			add(KindTagsList, ceilPages(len(r.Tags)-len(rm.gone), 100))
			// The re-check: the listing read again, or each deleted tag, whichever costs less.
			if pages := ceilPages(len(r.Manifests), 100); pages <= len(rm.gone) {
				add(KindACRManifests, pages)
			} else {
				add(KindACRTagGet, len(rm.gone))
			}
			add(KindACRTagDelete, len(rm.gone))
			if rm.signedGone {
				_, gets := rm.keptReads()
				add(KindACRManifestGet, gets)
			}
		}
	}
	return m
}

func ceilPages(n, size int) int { return max(1, (n+size-1)/size) }

// repoModel is what Minimal needs to know of one repository.
type repoModel struct {
	r          Repo
	gone       map[string]bool // tags deleted
	index      map[string]bool // digests of indexes
	keptDigest map[string]bool // digests a kept tag holds
	signedGone bool            // a deleted tag's image has a signature tag
}

func newRepoModel(r Repo, e Expected) repoModel {
	rm := repoModel{r: r, gone: map[string]bool{}, index: map[string]bool{}, keptDigest: map[string]bool{}}
	for _, t := range e.Delete[r.Name] {
		rm.gone[t] = true
	}
	for _, mf := range r.Manifests {
		if len(mf.Children) > 0 {
			rm.index[mf.Digest] = true
		}
	}
	signed := map[string]bool{}
	for _, t := range r.Tags {
		if t.Sig != "" {
			signed[t.Sig] = true
		}
		if !rm.gone[t.Name] {
			rm.keptDigest[t.Digest] = true
		}
	}
	for _, t := range r.Tags {
		if rm.gone[t.Name] && t.Sig == "" && signed[t.Digest] {
			rm.signedGone = true
		}
	}
	return rm
}

// keptReads counts the reads of the tags that stay: HEADs, and GETs of indexes.
func (rm repoModel) keptReads() (heads, gets int) {
	for _, t := range rm.r.Tags {
		switch {
		case rm.gone[t.Name]:
		case rm.index[t.Digest]:
			gets++
		default:
			heads++
		}
	}
	return heads, gets
}

// allReads counts the reads of every tag: HEADs, and GETs of indexes.
func (rm repoModel) allReads() (heads, gets int) {
	for _, t := range rm.r.Tags {
		if rm.index[t.Digest] {
			gets++
		} else {
			heads++
		}
	}
	return heads, gets
}

// digestDeletes counts, for a registry that deletes only manifests, the deleted
// digests no kept tag holds and the deleted tags that need a throwaway manifest.
func (rm repoModel) digestDeletes() (digests, throwaways int) {
	seen := map[string]bool{}
	for _, t := range rm.r.Tags {
		switch {
		case !rm.gone[t.Name]:
		case rm.keptDigest[t.Digest]:
			throwaways++
		case !seen[t.Digest]:
			seen[t.Digest] = true
			digests++
		}
	}
	return digests, throwaways
}

// laterWave says whether digests go after the deleted tags' own: the children of
// a deleted index, or a deleted image's signature.
func (rm repoModel) laterWave() bool {
	if rm.signedGone {
		return true
	}
	for _, t := range rm.r.Tags {
		if rm.gone[t.Name] && rm.index[t.Digest] && !rm.keptDigest[t.Digest] {
			return true
		}
	}
	return false
}

// signaturesGone counts the deleted signature tags: they go in a later wave, so
// they are still there to be read before it.
func (rm repoModel) signaturesGone() int {
	n := 0
	for _, t := range rm.r.Tags {
		if rm.gone[t.Name] && t.Sig != "" {
			n++
		}
	}
	return n
}
