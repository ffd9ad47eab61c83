package sweep_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// On a registry with the OCI referrers API, a deleted image's untagged signatures
// and attestations go with it; a kept image's stay. (go-containerregistry's
// registry serves the API; distribution does not.)
func TestNativeReferrers(t *testing.T) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	push := func(tag, label string, subject *v1.Descriptor) v1.Descriptor {
		t.Helper()
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64",
			RootFS: v1.RootFS{Type: "layers"}, Config: v1.Config{Labels: map[string]string{"l": label}}})
		if err != nil {
			t.Fatal(err)
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		if subject != nil {
			img = mutate.Subject(img, *subject).(v1.Image)
		}
		d, _ := img.Digest()
		ref := name.Reference(mustDigest(t, host+"/api@"+d.String()))
		if tag != "" {
			ref = mustTag(t, host+"/api:"+tag)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(mustDigest(t, host+"/api@"+d.String()))
		if err != nil {
			t.Fatal(err)
		}
		return *desc
	}
	pr := push("PR1-test", "pr", nil)
	prSig := push("", "pr-signature", &pr)
	rel := push("release", "release", nil)
	relSig := push("", "release-signature", &rel)

	s := newSweeper(t, host, map[string]string{"1": "merged"}, "")
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Failed() {
			t.Errorf("failed: %s: %s", it.Ref(), it.Error)
		}
	}
	gone := func(d v1.Descriptor) bool {
		_, err := remote.Head(mustDigest(t, host+"/api@"+d.Digest.String()))
		return err != nil
	}
	if !gone(prSig) {
		t.Error("the deleted image's signature is still there")
	}
	if gone(relSig) || gone(rel) {
		t.Error("the kept image or its signature is gone")
	}
}

func mustDigest(t *testing.T, s string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}
