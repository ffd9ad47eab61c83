package arch_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/prsweep/prsweep/internal/"

type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
	Standard   bool
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps", "github.com/prsweep/prsweep/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, mod)] = p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func internal(imports []string) []string {
	var out []string
	for _, i := range imports {
		if strings.HasPrefix(i, mod) {
			out = append(out, strings.TrimPrefix(i, mod))
		}
	}
	return out
}

func isStdlib(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

var adapters = []string{"registry/oci", "registry/acr", "registry/ghcr", "registry/gitlab",
	"scm/azuredevops", "scm/github", "scm/gitlab", "scm/static"}

// builtOn are the adapters another adapter may use: GHCR's and GitLab's registries
// speak the OCI distribution API beside their vendor API, and registry/oci is that
// API's client.
var builtOn = map[string][]string{"registry/ghcr": {"registry/oci"}, "registry/gitlab": {"registry/oci"}}

func TestImportArrows(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for name, p := range pkgs {
		imports := internal(p.Imports)
		// registry and scm: the standard library only.
		if name == "registry" || name == "scm" {
			for _, i := range p.Imports {
				if !isStdlib(i) {
					t.Errorf("%s imports %s; it may import only the standard library", name, i)
				}
			}
		}
		// policy and plan are pure: no network, no os, no adapter, no config.
		if name == "policy" || name == "plan" {
			// fmt needs os, so os is checked among the direct imports only.
			if slices.Contains(p.Deps, "net/http") || slices.Contains(p.Imports, "os") {
				t.Errorf("%s reaches the network or the file system; it must stay pure", name)
			}
			for _, i := range imports {
				if !slices.Contains([]string{"policy", "registry", "scm"}, i) {
					t.Errorf("%s imports %s", name, i)
				}
			}
		}
		// Only sweep wires adapters (demo goes through sweep too).
		for _, a := range adapters {
			if slices.Contains(imports, a) && name != "sweep" && !strings.HasPrefix(name, a) && !slices.Contains(builtOn[name], a) {
				t.Errorf("%s imports the adapter %s; only sweep may", name, a)
			}
		}
		// config is read by cli, sweep, server and demo; it reads only scm.
		if slices.Contains(imports, "config") && !slices.Contains([]string{"cli", "sweep", "server", "demo"}, name) {
			t.Errorf("%s imports config; stages take plain parameters", name)
		}
		if name == "config" {
			for _, i := range imports {
				if i != "scm" {
					t.Errorf("config imports %s", i)
				}
			}
		}
	}
}
