package image

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Source is the image's org.opencontainers.image.source label.
const Source = "https://github.com/prsweep/prsweep"

// User is the image's user: distroless' "nonroot", which the Helm chart's
// securityContext names too.
const User = "65532:65532"

// The OCI label keys the image carries (and its index carries as annotations).
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelVersion  = "org.opencontainers.image.version"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
)

// DefaultPlatforms are the platforms the command builds unless told otherwise.
var DefaultPlatforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

// Options say what to build and from where.
type Options struct {
	Dir       string        // the module's root (the working directory of go build); "" is the current one
	Package   string        // the main package; "" is ./cmd/prsweep
	Platforms []v1.Platform // "" is DefaultPlatforms
	CABundle  string        // the CA certificates put in the image; "" is the build machine's Debian bundle
	Go        string        // the go command; "" is "go" from PATH
	Stderr    io.Writer     // go build's output; nil discards it
}

// Info is what the image says about the binary in it.
type Info struct {
	Version  string    // the main module's version, as `prsweep version` prints it
	Revision string    // the commit (vcs.revision); "" when built outside a repository
	Modified bool      // the work tree had changes
	Created  time.Time // the commit's time, or SOURCE_DATE_EPOCH: the same sources give the same image
}

// Labels are the image's OCI labels.
func (i Info) Labels() map[string]string {
	l := map[string]string{
		LabelSource:  Source,
		LabelVersion: i.Version,
		LabelCreated: i.Created.UTC().Format(time.RFC3339),
		LabelTitle:   "prsweep",
	}
	if i.Revision != "" {
		l[LabelRevision] = i.Revision
	}
	return l
}

// Build compiles prsweep for each platform and returns the index of their images.
func Build(ctx context.Context, o Options) (v1.ImageIndex, Info, error) {
	o = o.withDefaults()
	ca, err := os.ReadFile(o.CABundle)
	if err != nil {
		return nil, Info{}, fmt.Errorf("reading the CA bundle (--ca-bundle): %w", err)
	}
	tmp, err := os.MkdirTemp("", "prsweep-image-")
	if err != nil {
		return nil, Info{}, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var info Info
	for i, p := range o.Platforms {
		bin := filepath.Join(tmp, "prsweep-"+p.OS+"-"+p.Architecture+p.Variant)
		if err := compile(ctx, o, p, bin); err != nil {
			return nil, Info{}, err
		}
		pi, err := readInfo(bin)
		if err != nil {
			return nil, Info{}, err
		}
		if i == 0 {
			info = pi
		} else if pi.Version != info.Version || pi.Revision != info.Revision {
			return nil, Info{}, fmt.Errorf("building for %s: version %s (%s) differs from %s (%s): the sources changed during the build", p, pi.Version, pi.Revision, info.Version, info.Revision)
		}
		exe, err := os.ReadFile(bin)
		if err != nil {
			return nil, Info{}, fmt.Errorf("reading the binary for %s: %w", p, err)
		}
		img, err := platformImage(p, exe, ca, info)
		if err != nil {
			return nil, Info{}, fmt.Errorf("assembling the image for %s: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}},
		})
	}
	annotated, ok := mutate.Annotations(idx, info.Labels()).(v1.ImageIndex)
	if !ok {
		return nil, Info{}, errors.New("annotating the index: not an index") // go-containerregistry returns one for one
	}
	return annotated, info, nil
}

func (o Options) withDefaults() Options {
	if o.Package == "" {
		o.Package = "./cmd/prsweep"
	}
	if len(o.Platforms) == 0 {
		o.Platforms = DefaultPlatforms
	}
	if o.CABundle == "" {
		o.CABundle = "/etc/ssl/certs/ca-certificates.crt"
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// compile builds a static binary: CGO off (the image has no libc), -trimpath (no
// build machine paths in it), no build id (the same sources give the same bytes).
// The version and commit are stamped by the go command itself from the repository
// (debug.ReadBuildInfo, which `prsweep version` prints), so no -X is needed.
func compile(ctx context.Context, o Options, p v1.Platform, out string) error {
	cmd := exec.CommandContext(ctx, o.Go, "build", "-trimpath", "-buildvcs=auto", "-ldflags=-s -w -buildid=", "-o", out, o.Package)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	if p.Architecture == "arm" && p.Variant != "" {
		cmd.Env = append(cmd.Env, "GOARM="+p.Variant[1:])
	}
	var stderr bytes.Buffer
	cmd.Stdout = o.Stderr
	cmd.Stderr = io.MultiWriter(o.Stderr, &stderr)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s for %s: %w: %s", o.Package, p, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// readInfo reads the version and commit the go command stamped into the binary.
func readInfo(bin string) (Info, error) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return Info{}, fmt.Errorf("reading the build information of %s: %w", bin, err)
	}
	info := Info{Version: bi.Main.Version, Created: time.Unix(0, 0).UTC()}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				info.Created = t.UTC()
			}
		}
	}
	if epoch := os.Getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return Info{}, fmt.Errorf("parsing SOURCE_DATE_EPOCH %q: %w", epoch, err)
		}
		info.Created = time.Unix(sec, 0).UTC()
	}
	return info, nil
}

// platformImage is one platform's image: one layer, no shell, non-root.
func platformImage(p v1.Platform, exe, ca []byte, info Info) (v1.Image, error) {
	tarBytes, err := layerTar(exe, ca, info.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("making the layer: %w", err)
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: info.Created}, CreatedBy: "prsweep-image: /prsweep, CA certificates, passwd"},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: info.Created}
	cf.Config = v1.Config{
		Entrypoint: []string{"/prsweep"},
		User:       User,
		WorkingDir: "/",
		Labels:     info.Labels(),
		// Go finds the bundle there by itself; saying it helps tools that look.
		Env: []string{"SSL_CERT_FILE=" + caPath},
	}
	return mutate.ConfigFile(img, cf)
}
