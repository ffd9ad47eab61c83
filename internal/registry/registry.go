package registry

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors every adapter maps its vendor errors onto.
var (
	// ErrNotFound: the repository, tag or manifest does not exist (a deletion that
	// meets it counts as done).
	ErrNotFound = errors.New("not found")
	// ErrUnsupported: the registry refuses this kind of operation (deletes disabled,
	// tag deletion not implemented).
	ErrUnsupported = errors.New("not supported by the registry")
	// ErrUnauthorized: the registry refused the credentials or their scope.
	ErrUnauthorized = errors.New("credentials refused by the registry")
	// ErrLocked: the tag or manifest is locked against deletion.
	ErrLocked = errors.New("locked by the registry")
	// ErrInUse: a deletion was refused because the manifest still carries a tag other
	// than the one being removed (one the listing did not show, such as an ACR tag with
	// listEnabled false). The item is kept and the message names what holds it.
	ErrInUse = errors.New("still in use")
)

// Media types of the manifests prsweep resolves. All four are sent on every
// resolution: a registry answers a narrower Accept with another digest.
const (
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

// IsIndex reports whether a media type names a manifest that lists other manifests.
func IsIndex(mediaType string) bool {
	return mediaType == MediaTypeOCIIndex || mediaType == MediaTypeDockerList
}

// Manifest is what a tag points at.
type Manifest struct {
	Digest    string   `json:"digest"`
	MediaType string   `json:"mediaType,omitempty"`
	Children  []string `json:"children,omitempty"` // digests an index references
	Subject   string   `json:"subject,omitempty"`  // the digest this manifest is about (signature, SBOM)
	Size      int64    `json:"size,omitempty"`     // bytes the registry reports, 0 when it does not
	// Locked: the registry forbids deleting this tag or manifest (ACR deleteEnabled or
	// writeEnabled false). prsweep never unlocks.
	Locked bool `json:"locked,omitempty"`
}

// Method is how a tag is removed.
type Method string

const (
	// MethodUntag removes only the tag; the manifest and its other tags stay.
	MethodUntag Method = "untag"
	// MethodDigest deletes the manifest, which removes every tag in the repository
	// that points at it. Safe only when no other tag does.
	MethodDigest Method = "digest"
	// MethodRetag points the tag at a throwaway manifest and deletes that by digest:
	// the tag goes, the original manifest and its other tags stay.
	MethodRetag Method = "retag"
)

// Capabilities says which deletion methods a registry accepts.
type Capabilities struct {
	Untag  bool
	Digest bool
	Retag  bool
}

// Lister reads a registry.
type Lister interface {
	// Repositories lists every repository the credentials can see.
	Repositories(ctx context.Context) ([]string, error)
	// Tags lists every tag of a repository, following all pages. An error means the
	// listing is incomplete and nothing in the repository may be deleted.
	Tags(ctx context.Context, repo string) ([]string, error)
	// Resolve reads the manifest a tag points at.
	Resolve(ctx context.Context, repo, tag string) (Manifest, error)
}

// Deleter removes tags.
type Deleter interface {
	// Capabilities says which methods Delete accepts for a repository.
	Capabilities(ctx context.Context, repo string) (Capabilities, error)
	// Delete removes a tag that points at m by the given method. ErrNotFound means
	// the tag was already gone.
	Delete(ctx context.Context, repo, tag string, m Manifest, method Method) error
}

// Backend is a registry prsweep can sweep.
type Backend interface {
	Lister
	Deleter
}

// Ager is a registry that can tell when an image was created (for minAge). An index
// is as old as its youngest child.
type Ager interface {
	Created(ctx context.Context, repo string, m Manifest) (time.Time, error)
}

// ManifestStore reads and writes manifests as bytes: the audit log keeps what it
// deletes, and restore puts it back.
type ManifestStore interface {
	// Manifest returns the manifest with this digest as the registry serves it.
	Manifest(ctx context.Context, repo, digest string) (raw []byte, mediaType string, err error)
	// PutManifest uploads raw under ref (a tag or its own digest). The registry refuses
	// it when the blobs or children it names are gone.
	PutManifest(ctx context.Context, repo, ref string, raw []byte, mediaType string) error
}

// ReferrerLister is a registry that may have the OCI referrers API: it lists the
// manifests (signatures, attestations, SBOMs) whose subject is a digest, tagged or
// not. Where the registry has no referrers API (learned once per registry, from its
// first answer), Referrers returns an error wrapping ErrUnsupported without a
// request; it does not read the sha256-<hex> fallback tag, which the caller finds in
// the tag listing it already has.
type ReferrerLister interface {
	Referrers(ctx context.Context, repo, digest string) ([]string, error)
}

// ListedManifest is one manifest as a listing describes it, with every tag on it.
type ListedManifest struct {
	Manifest
	Tags []string `json:"tags,omitempty"`
	// LockedTags are the tags of Tags the registry forbids removing (what Resolve
	// reports as Locked for that tag). Manifest.Locked is set when the manifest may not
	// be deleted by digest: it, its repository or any of its tags is locked.
	LockedTags []string `json:"lockedTags,omitempty"`
	// Err is set when the manifest is listed but what the engine needs of it could not
	// be read (an index whose children are unknown): it then counts as holding
	// everything, and none of its tags is deleted.
	Err error `json:"-"`
}

// ManifestLister is a registry whose listing carries each manifest's digest, tags,
// media type and locks (ACR's _manifests): a repository's tags and what they point at
// without a read per tag. Indexes come with their Children filled in (the adapter
// reads each index once) or with Err set. Like Tags, an error means the listing is
// incomplete and nothing in the repository may be deleted.
type ManifestLister interface {
	ListManifests(ctx context.Context, repo string) ([]ListedManifest, error)
}

// UntagProver is a registry whose tag DELETE is only trusted once proven to remove
// the tag alone: ProveUntag shows it on a throwaway manifest with two tags in repo
// (one deleted, the other must remain), once per repository, and cleans up. nil means
// proven; an error wrapping ErrUnsupported means the registry removed more (or could
// not show otherwise), and a tag must be removed by another method. Only a real run
// calls it; a dry run changes nothing.
type UntagProver interface {
	ProveUntag(ctx context.Context, repo string) error
}

// Checker is a registry that can check, changing nothing, that its credentials may
// read and delete what a sweep of repos needs (prsweep validate): package or
// registry permissions a listing alone does not show. nil means they may.
type Checker interface {
	Check(ctx context.Context, repos []string) error
}
