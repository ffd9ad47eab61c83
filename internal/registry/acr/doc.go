// Package acr is the registry backend for Azure Container Registry. It speaks ACR's
// own data-plane API through the Azure SDK for Go (azcontainerregistry for the
// registry, azidentity for Entra ID) and maps everything onto package registry's
// types and sentinel errors; no SDK type leaves this package.
//
// What it does that the generic OCI backend cannot:
//
//   - It removes a tag with ACR's untag call (DELETE /acr/v1/{repo}/_tags/{tag}),
//     which never touches the manifest or its other tags. (ACR's /v2 DELETE "by tag"
//     deletes the image and every tag on it.) Deleting by digest uses
//     DELETE /v2/{repo}/manifests/{digest}, after reading the manifest's own tags:
//     ACR's tag listing leaves out tags whose listEnabled is false, and the
//     deletion would take them along, so a tag other than the one being removed
//     makes it registry.ErrInUse.
//   - It is a registry.ManifestLister: a repository's manifests, tags and locks come
//     from the pages of ACR's two listings (_manifests and _tags) and one read per
//     index, not from a read per tag.
//   - It reports a tag as Locked when the tag, its manifest or its repository has
//     deleteEnabled or writeEnabled false, and it never changes those attributes.
//   - It signs in the ways ACR users already do (see Auth): a service principal with a
//     secret or certificate, workload identity federation (Azure Pipelines service
//     connections, GitHub Actions, AKS), managed identity, the Azure CLI login, the
//     SDK's default chain, or an ACR token / admin user as basic credentials.
//
// Client is also a registry.ManifestStore (the audit log reads manifests back;
// restore uploads them) and a registry.Ager (minAge counts from ACR's createdTime,
// the push).
//
// Every request goes through package httpx's retry (429 with Retry-After, 5xx,
// broken connections) and per-attempt timeout layers; the SDK's own retries are
// off so that throttling is handled in one place. The SDK keeps one ACR access
// token per client and asks for a new one on every change of scope, so Client keeps
// one SDK client per repository and purpose (read metadata, pull, delete).
//
// This package imports registry and httpx; only sweep imports it.
package acr
