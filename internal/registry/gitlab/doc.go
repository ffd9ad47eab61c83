// Package gitlab is the registry backend for GitLab's container registry (gitlab.com
// and self-managed). It lists repositories and tags, and deletes tags, through
// GitLab's REST API (/api/v4, with a personal, project or group access token), and
// reads manifests through the registry's OCI API with a registry token from
// GitLab's /jwt/auth, by way of an oci.Client it holds. No vendor type leaves it.
//
// # What a tag delete does on GitLab
//
// prsweep deletes one tag with DELETE /projects/:id/registry/repositories/:rid/tags/:tag_name
// and never with the bulk regex endpoint (DELETE …/tags, which is asynchronous,
// once an hour, regex-driven and never removes latest). What that single-tag
// DELETE does was read in GitLab's source (gitlabhq/gitlabhq):
//
//   - lib/api/project_container_repositories.rb: the endpoint authorizes
//     destroy_container_image, answers 404 when the tag does not exist
//     (validate_tag!), then runs Projects::ContainerRepository::DeleteTagsService
//     with that one tag name; 200 on success, 400 when the service fails.
//   - app/services/projects/container_repository/delete_tags_service.rb picks
//     Gitlab::DeleteTagsService when client.supports_tag_delete? (GitLab's own
//     registry: the tag_delete feature, or an OPTIONS on /v2/name/manifests/tag
//     whose Allow has DELETE), else ThirdParty::DeleteTagsService.
//   - gitlab/delete_tags_service.rb calls ContainerRepository#delete_tag(name),
//     which is DELETE /v2/<path>/manifests/<tag> on the registry
//     (lib/container_registry/client.rb; before GitLab 16.4 the registry's own
//     DELETE /v2/<path>/tags/reference/<tag>, delete_repository_tag_by_name, which
//     does the same). That is the registry's tag delete: it removes the tag and
//     nothing else, whether the registry keeps its metadata on the file system
//     (legacy) or in the metadata database.
//   - third_party/delete_tags_service.rb (a registry without tag delete) first
//     points the tag at a dummy manifest (put_tag of generate_empty_manifest), then
//     deletes the dummy by digest: again only the tag goes, the image and its other
//     tags stay (gitlab-org/gitlab#15737).
//
// Outside GitLab's code: werf's GitLab driver (werf/werf#7866) verified on GitLab
// Registry v4.41.0-gitlab with file-system metadata that deleting a tag by
// DELETE /v2/<repo>/manifests/<tag> keeps the other tags of its manifest; and where
// GitLab fronts an external distribution 2.8 that it believes deletes tags, the
// registry answers that DELETE with 400 DIGEST_INVALID (sameersbn/docker-gitlab#2867,
// GitLab 16.6): the API answers 400, nothing changes, and the tag is reported failed.
//
// So on every GitLab registry a tag shared with a kept tag loses only itself:
// Capabilities declares Untag, and neither Digest (no REST call deletes a manifest
// by digest; the registry's digest DELETE would take every tag on it) nor Retag.
// The bulk endpoint, the repository DELETE and the registry's digest DELETE are
// never sent.
//
// The metadata database changes what happens afterwards, not the delete: its online
// garbage collector removes, after a review delay (24 hours by default), a manifest
// that has no tag and that no other manifest references (docs: administration/
// packages/container_registry_metadata_database.md, user/packages/
// container_registry/delete_container_registry_images.md). A manifest that still
// has a kept tag, or an index's children while the index is kept, are never
// collected; an image whose last tag prsweep removes goes a day later even with
// untagged: keep. On the legacy registry it stays until an administrator runs
// garbage collection.
//
// # Listing
//
// GitLab's tag listing carries no digests (Entities::ContainerRegistry::Tag is
// name, path, location; only the per-tag details add digest, created_at and
// total_size), with or without the metadata database, so Client is no
// registry.ManifestLister: a tag is resolved with one OCI manifest read, which also
// gives its media type and an index's children, rather than a details call plus a
// read. Pages are followed by the Link rel="next" GitLab sends (keyset pagination
// on GitLab.com since 16.10, offset elsewhere), else by X-Next-Page; a failed page
// fails the whole listing.
//
// Every request goes through package httpx's retry (429 with Retry-After, 5xx) and
// per-attempt time-out layers and the sweep's shared Limiter. This package imports
// registry, registry/oci and httpx; only sweep imports it.
package gitlab
