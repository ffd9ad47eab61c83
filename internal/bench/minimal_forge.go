package bench

// forgeMinimal is Minimal for the forges' registries and sources: a floor, the
// requests a sweep cannot do without given what each API returns.
//
// Source (GitHub GraphQL, GitLab iids[]): the pull requests in batches of 100,
// and one read alone of each missing one (absence from a batch is never a state:
// only a 404 on the pull request itself says missing).
//
// GHCR (the Packages API beside the OCI API): the owner's packages in pages of
// 100; each package's versions in pages of 100 (each version one manifest with its
// tags, untagged children included). Where a repository has a deletion: one GET of
// each tagged index (its children, which the listing does not carry; an oracle
// would pick the indexes out without reading the other tags), the versions listing
// read again before deleting (the re-check, and the throwaways' version ids) and
// after (the read back); one DELETE per version that goes: each digest only
// deleted tags hold, and each throwaway; per tag that shares its version with a
// kept tag, one PUT of a throwaway manifest onto it, with, per repository, one
// upload of the throwaway's config: a POST and a PUT (the OCI spec's required
// flow; a one-request upload is optional, and distribution, behind the fake,
// answers the POST 202 whatever it carries). Per repository that reads an index
// or pushes, one registry token (for push and pull), and one ping in all.
//
// GitLab (its container registry API beside the OCI API): the project's
// repositories in pages of 100, each repository's tags in pages of 100 (names
// only). Where a repository has a deletion: one registry token; per deleted tag
// one HEAD (the re-check, which gives the digest) and one DELETE through the API
// (GitLab deletes the tag alone); the tags listing read back; and where a deleted
// tag's image has a signature tag, one read of each tag that stays (HEAD; GET for
// an index), as on distribution. One ping, and, when anything is deleted, one
// probe of the referrers API.
func forgeMinimal(ds *Dataset, e Expected, registry string) Minimal {
	m := Minimal{Registry: map[string]int{}, Source: ceilPages(len(ds.PRs), 100)}
	for _, s := range ds.PRs {
		if s == Missing {
			m.Source++
		}
	}
	add := func(kind string, n int) {
		if n > 0 {
			m.Registry[kind] += n
		}
	}
	if registry == RegistryGHCR {
		add(KindGHCRPackages, ceilPages(len(ds.Repos), 100))
	} else {
		add(KindGitLabRepos, ceilPages(len(ds.Repos), 100))
		add(KindPing, 1)
		if e.Deleted > 0 {
			add(KindReferrers, 1)
		}
	}
	pinged := false
	for _, r := range ds.Repos {
		rm := newRepoModel(r, e)
		if registry == RegistryGHCR {
			add(KindGHCRVersions, ceilPages(len(r.Manifests), 100))
		} else {
			add(KindGitLabTags, ceilPages(len(r.Tags), 100))
		}
		if len(rm.gone) == 0 {
			continue
		}
		if registry == RegistryGitLab {
			add(KindToken, 1)
			add(KindManifestHead, len(rm.gone))
			add(KindGitLabTagDelete, len(rm.gone))
			add(KindGitLabTags, ceilPages(len(r.Tags)-len(rm.gone), 100))
			if rm.signedGone {
				heads, gets := rm.keptReads()
				add(KindManifestHead, heads)
				add(KindManifestGet, gets)
			}
			continue
		}
		indexes := 0
		for _, t := range r.Tags {
			if rm.index[t.Digest] {
				indexes++
			}
		}
		add(KindManifestGet, indexes)
		add(KindGHCRVersions, 2*ceilPages(len(r.Manifests), 100))
		digests, throwaways := rm.digestDeletes()
		add(KindGHCRVersionDelete, digests+throwaways)
		if throwaways > 0 {
			add(KindManifestPut, throwaways)
			add(KindBlob, 2)
		}
		if indexes > 0 || throwaways > 0 {
			add(KindToken, 1)
			if !pinged {
				add(KindPing, 1)
				pinged = true
			}
		}
	}
	return m
}
