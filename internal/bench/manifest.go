package bench

import "encoding/json"

// The media types of the data set: OCI throughout.
const (
	mediaManifest   = "application/vnd.oci.image.manifest.v1+json"
	mediaIndex      = "application/vnd.oci.image.index.v1+json"
	benchAnnotation = "org.prsweep.bench" // makes each manifest's digest its own
)

// acceptManifests is the Accept header that makes a registry answer with the
// digest a tag really holds (see notes/registry-behaviour.md).
const acceptManifests = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type ociManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Config        descriptor        `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type ociIndex struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Manifests     []descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// mustJSON encodes v, a value of this file's types, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("bench: encoding a manifest: " + err.Error())
	}
	return b
}
