package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// TestImage builds the image for this machine's platform (the command builds
// linux/amd64 and linux/arm64; one go build keeps the test short), pushes it to
// distribution v3, pulls it back, checks what a user's runtime will see, and runs
// `prsweep version` from the pulled layer.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles prsweep (-short)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image's binary runs on linux only")
	}
	ctx := context.Background()
	host := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	var buildLog bytes.Buffer
	idx, info, err := Build(ctx, Options{Dir: "../..", Platforms: []v1.Platform{host}, CABundle: fakeCABundle(t), Stderr: &buildLog})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, buildLog.String())
	}

	reg := registrytest.StartV3(t)
	ref := reg.Host() + "/prsweep:test"
	if _, err := Push(ctx, ref, idx, false); err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Index(r, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("pulling the index back: %v", err)
	}

	im, err := pulled.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex {
		t.Errorf("index media type %s, want %s", im.MediaType, types.OCIImageIndex)
	}
	if diff := cmp.Diff(info.Labels(), im.Annotations); diff != "" {
		t.Errorf("index annotations (-want +got):\n%s", diff)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Platform == nil || !im.Manifests[0].Platform.Equals(host) {
		t.Fatalf("index manifests %+v, want one for %s", im.Manifests, host)
	}
	img, err := pulled.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	checkConfig(t, img, host, info)
	files := layerFiles(t, img)
	exe, ok := files["prsweep"]
	if !ok {
		t.Fatal("no /prsweep in the layer")
	}
	checkVersion(t, exe.data, info)

	t.Run("layout", func(t *testing.T) {
		dir := t.TempDir()
		d, err := WriteLayout(dir, "dev", idx)
		if err != nil {
			t.Fatal(err)
		}
		lp, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		root, err := lp.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(root.Manifests) != 1 || root.Manifests[0].Digest != d || root.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "dev" {
			t.Errorf("layout index.json %+v, want the index %s named dev", root.Manifests, d)
		}
	})
}

func checkConfig(t *testing.T, img v1.Image, host v1.Platform, info Info) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != host.OS || cf.Architecture != host.Architecture {
		t.Errorf("config platform %s/%s, want %s", cf.OS, cf.Architecture, host)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cf.Config.User)
	}
	if diff := cmp.Diff([]string{"/prsweep"}, cf.Config.Entrypoint); diff != "" || len(cf.Config.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [/prsweep] and no cmd", cf.Config.Entrypoint, cf.Config.Cmd)
	}
	for _, k := range []string{LabelSource, LabelRevision, LabelVersion, LabelCreated} {
		if cf.Config.Labels[k] == "" && !(k == LabelRevision && info.Revision == "") {
			t.Errorf("label %s missing; labels %v", k, cf.Config.Labels)
		}
	}
	if got := cf.Config.Labels[LabelSource]; got != "https://github.com/prsweep/prsweep" {
		t.Errorf("source label %q", got)
	}
	if _, err := time.Parse(time.RFC3339, cf.Config.Labels[LabelCreated]); err != nil {
		t.Errorf("created label: %v", err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 {
		t.Errorf("manifest %s, config %s, %d layers: want an OCI manifest with one layer", m.MediaType, m.Config.MediaType, len(m.Layers))
	}
}

type file struct {
	hdr  *tar.Header
	data []byte
}

// layerFiles reads the image's files as a runtime unpacks them.
func layerFiles(t *testing.T, img v1.Image) map[string]file {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]file{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[strings.TrimSuffix(h.Name, "/")] = file{hdr: h, data: data}
		}
		rc.Close()
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"etc", "etc/group", "etc/passwd", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca-certificates.crt", "home", "home/nonroot", "prsweep", "tmp"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("files in the image (-want +got); no shell, nothing but these:\n%s", diff)
	}
	for _, shell := range []string{"bin/sh", "bin/bash", "bin/busybox"} {
		if _, ok := files[shell]; ok {
			t.Errorf("the image has %s", shell)
		}
	}
	if f := files["prsweep"]; f.hdr != nil && f.hdr.Mode&0o111 == 0 {
		t.Errorf("/prsweep mode %o is not executable", f.hdr.Mode)
	}
	if f := files["etc/passwd"]; !bytes.Contains(f.data, []byte(":65532:65532:")) {
		t.Errorf("/etc/passwd has no entry for 65532: %q", f.data)
	}
	return files
}

// checkVersion runs the binary from the image, as the container would.
func checkVersion(t *testing.T, exe []byte, info Info) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prsweep")
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("prsweep version from the image: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) < 2 || lines[0] != "prsweep "+info.Version {
		t.Errorf("prsweep version printed %q, want the version label %q first", out, info.Version)
	}
	if info.Revision != "" && !strings.HasPrefix(lines[1], "commit "+info.Revision) {
		t.Errorf("prsweep version printed %q, want the revision label %q", out, info.Revision)
	}
	if info.Version == "" || info.Version == "(devel)" && info.Revision != "" {
		t.Errorf("version label %q: the go command should have stamped one from the repository", info.Version)
	}
}

// fakeCABundle stands in for the build machine's bundle, so the test needs none.
func fakeCABundle(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(p, []byte("# test bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLayerTarIsReproducible(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, err := layerTar([]byte("exe"), []byte("ca"), at)
	if err != nil {
		t.Fatal(err)
	}
	b, err := layerTar([]byte("exe"), []byte("ca"), at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same binary gave two different layers")
	}
	tr := tar.NewReader(bytes.NewReader(a))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(at) {
			t.Errorf("%s mtime %s, want %s", h.Name, h.ModTime, at)
		}
		if h.Name == "tmp/" && h.Mode != 0o1777 {
			t.Errorf("/tmp mode %o, want 1777", h.Mode)
		}
	}
}

func TestMainFlags(t *testing.T) {
	for _, args := range [][]string{
		{},                                    // nowhere to put it
		{"--out", "x", "--platform", "linux"}, // no architecture
		{"--out", "x", "extra"},               // a stray argument
		{"--push", "r/p:t", "--no-such-flag", "1"}, // unknown flag
	} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), args, io.Discard, &stderr); code != 2 {
			t.Errorf("Main(%q) = %d, want 2; stderr %s", args, code, stderr.String())
		}
	}
}
