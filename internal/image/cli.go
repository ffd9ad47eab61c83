package image

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const usage = `prsweep-image builds prsweep's container image (linux/amd64 and linux/arm64,
static, non-root, no shell) without Docker, and pushes it or writes an OCI layout.

  go run ./cmd/prsweep-image --push ghcr.io/OWNER/prsweep:v1.2.3
  go run ./cmd/prsweep-image --out ./oci --tag dev --platform linux/amd64

Flags:
`

// Main is cmd/prsweep-image: 0 done, 1 the build or push failed, 2 bad flags.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prsweep-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var (
		push      multi
		out       = fs.String("out", "", "write the index into this OCI image layout directory")
		tag       = fs.String("tag", "latest", "the name the index gets in the --out layout")
		platforms = fs.String("platform", "linux/amd64,linux/arm64", "comma-separated os/arch[/variant] list")
		ca        = fs.String("ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "the CA certificates to put in the image")
		insecure  = fs.Bool("insecure", false, "push over plain HTTP (loopback registries always are)")
		verbose   = fs.Bool("v", false, "show go build's output")
	)
	fs.Var(&push, "push", "push the index to this reference (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (len(push) == 0 && *out == "") {
		fmt.Fprintln(stderr, "prsweep-image: say where the image goes: --push REF and/or --out DIR")
		return 2
	}
	plats, err := parsePlatforms(*platforms)
	if err != nil {
		fmt.Fprintln(stderr, "prsweep-image:", err)
		return 2
	}
	o := Options{Platforms: plats, CABundle: *ca}
	if *verbose {
		o.Stderr = stderr
	}
	idx, info, err := Build(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "prsweep-image:", err)
		return 1
	}
	if info.Modified {
		fmt.Fprintln(stderr, "prsweep-image: warning: the work tree has uncommitted changes; the image is not what the revision label says")
	}
	for _, ref := range push {
		d, err := Push(ctx, ref, idx, *insecure)
		if err != nil {
			fmt.Fprintln(stderr, "prsweep-image:", err)
			return 1
		}
		fmt.Fprintf(stdout, "pushed %s@%s\n", ref, d)
	}
	if *out != "" {
		d, err := WriteLayout(*out, *tag, idx)
		if err != nil {
			fmt.Fprintln(stderr, "prsweep-image:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s (%s) to %s\n", d, *tag, *out)
	}
	labels := info.Labels()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %s=%s\n", k, labels[k])
	}
	return 0
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func parsePlatforms(s string) ([]v1.Platform, error) {
	var ps []v1.Platform
	for _, f := range strings.Split(s, ",") {
		p, err := v1.ParsePlatform(strings.TrimSpace(f))
		if err != nil || p.OS == "" || p.Architecture == "" {
			return nil, fmt.Errorf("--platform %q: want os/arch[/variant]", f)
		}
		ps = append(ps, *p)
	}
	return ps, nil
}
