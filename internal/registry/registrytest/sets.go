package registrytest

import (
	"fmt"
	"hash/fnv"
	"slices"
)

const arm64 = "linux/arm64"

// ClassicSet is the image set of the original cleanup script: 18 tags in jarvis,
// jarvis_base and jarvisautomation. Tags ending in -arm (and jarvis_base:arm, arm-test,
// jarvisautomation:arm) are linux/arm64, the rest linux/amd64, all Docker schema 2.
//
// jarvis:PR3574-test is the same image as jarvis:5.32.0-develop, and PR3574-test-arm
// as 5.32.0-develop-arm (built from the same sources): deleting the PR tag by digest
// would take the release tag with it.
func ClassicSet() []Image {
	return []Image{
		{Repo: "jarvis", Tag: "PR3571-test", Seed: 35710},
		{Repo: "jarvis", Tag: "PR3571-test-arm", Seed: 35711, Platform: arm64},
		{Repo: "jarvis", Tag: "PR3574-test", SameAs: "5.32.0-develop"},
		{Repo: "jarvis", Tag: "PR3574-test-arm", SameAs: "5.32.0-develop-arm"},
		{Repo: "jarvis", Tag: "5.32.0-develop", Seed: 53200},
		{Repo: "jarvis", Tag: "5.32.0-develop-arm", Seed: 53201, Platform: arm64},
		{Repo: "jarvis", Tag: "PR3561-test", Seed: 35610},
		{Repo: "jarvis", Tag: "PR3561-test-arm", Seed: 35611, Platform: arm64},
		{Repo: "jarvis", Tag: "PR3565-test", Seed: 35650},
		{Repo: "jarvis", Tag: "PR3565-test-arm", Seed: 35651, Platform: arm64},
		{Repo: "jarvis", Tag: "PR3589-test", Seed: 35890},
		{Repo: "jarvis", Tag: "PR3589-test-arm", Seed: 35891, Platform: arm64},
		{Repo: "jarvis_base", Tag: "arm", Seed: 1001, Platform: arm64},
		{Repo: "jarvis_base", Tag: "arm-test", Seed: 1002, Platform: arm64},
		{Repo: "jarvis_base", Tag: "latest", Seed: 1003},
		{Repo: "jarvis_base", Tag: "test", Seed: 1004},
		{Repo: "jarvisautomation", Tag: "arm", Seed: 2001, Platform: arm64},
		{Repo: "jarvisautomation", Tag: "latest", Seed: 2002},
	}
}

// ClassicClosedPRs are the PRs of ClassicSet that are merged or closed; the others
// (3561, 3565, 3589) are open.
func ClassicClosedPRs() []string { return []string{"3571", "3574"} }

// ClassicDeleted is what a correct sweep of ClassicSet for ClassicClosedPRs deletes:
// the four tags of PRs 3571 and 3574, as "repo:tag", sorted.
func ClassicDeleted() []string {
	return []string{
		"jarvis:PR3571-test",
		"jarvis:PR3571-test-arm",
		"jarvis:PR3574-test",
		"jarvis:PR3574-test-arm",
	}
}

// ClassicPreserved is every other tag of ClassicSet ("repo:tag", sorted): the 14 that a
// correct sweep keeps, 5.32.0-develop and 5.32.0-develop-arm among them.
func ClassicPreserved() []string {
	var keep []string
	for _, img := range ClassicSet() {
		if !slices.Contains(ClassicDeleted(), img.Ref()) {
			keep = append(keep, img.Ref())
		}
	}
	slices.Sort(keep)
	return keep
}

// ManyTags returns n distinct linux/amd64 images in repo for pagination tests, tagged
// <prefix>5000-test, <prefix>5001-test, … (ManyTags("jarvis_base", "PR", 150) gives
// PR5000-test … PR5149-test). Each seed is derived from "repo:tag", so digests differ
// between tags and are stable between runs.
func ManyTags(repo, prefix string, n int) []Image {
	images := make([]Image, n)
	for i := range images {
		tag := fmt.Sprintf("%s%d-test", prefix, 5000+i)
		h := fnv.New64a()
		_, _ = h.Write([]byte(repo + ":" + tag))
		images[i] = Image{Repo: repo, Tag: tag, Seed: int64(h.Sum64() >> 1)}
	}
	return images
}
