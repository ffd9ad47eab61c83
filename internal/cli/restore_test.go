package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

var registryKinds = map[string]func(t testing.TB, opts ...registrytest.Option) *registrytest.Server{
	"v3":  registrytest.StartV3,
	"2.8": registrytest.StartDistribution28,
}

// Delete, restore, pull the restored image — on each registry kind, for a tag
// deleted alone, one deleted with its manifest, and an index deleted with its
// untagged children.
func TestRestore(t *testing.T) {
	for kind, start := range registryKinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			srv := start(t)
			digests := registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			idx, err := srv.SeedIndex(ctx, "jarvis", "PR3600-multi", []registrytest.Image{
				{Seed: 3601, OCI: true}, {Seed: 3602, OCI: true, Platform: "linux/arm64"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			digests["jarvis:PR3600-multi"] = idx.Digest
			log := filepath.Join(t.TempDir(), "audit.jsonl")
			cfg := writeConfig(t, strings.Replace(classicStaticConfig(srv.Host(), "untagged: delete\n"), `"3589": open}`, `"3589": open, "3600": merged}`, 1))
			vars := map[string]string{"REGISTRY_USER": "", "REGISTRY_PASSWORD": ""}

			r := invoke(t, vars, sweep.Options{}, "run", "--config", cfg, "--audit", log)
			if r.code != ExitOK {
				t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			records := readRecords(t, log)
			deleted := 0
			for _, rec := range records {
				if rec.Event == audit.EventDelete && (len(rec.Manifest) == 0 || rec.PR == "" && rec.Tag != "" || rec.Registry != srv.Host()) {
					t.Errorf("incomplete record %+v", rec)
				}
				if rec.Event == audit.EventDeleted {
					deleted++
				}
			}
			if deleted < 5 { // four classic tags and the index, plus manifests with them
				t.Errorf("the audit log records %d deletions", deleted)
			}

			r = invoke(t, vars, sweep.Options{}, "restore", "--config", cfg, "--audit", log,
				"--tag", "jarvis:PR3571-test", "--tag", "jarvis:PR3574-test", "--tag", "jarvis:PR3600-multi")
			if r.code != ExitOK {
				t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, tag := range []string{"PR3571-test", "PR3574-test", "PR3600-multi"} {
				if !strings.Contains(r.stdout, "restored jarvis:"+tag+": ") {
					t.Errorf("restore does not report %s:\n%s", tag, r.stdout)
				}
				m, err := registryClient(t, srv.Host()).Resolve(ctx, "jarvis", tag)
				if err != nil || m.Digest != digests["jarvis:"+tag] {
					t.Errorf("%s after restore: %+v %v, want %s", tag, m, err, digests["jarvis:"+tag])
				}
				if err := registrytest.Pull(ctx, srv.Host(), "jarvis", tag); err != nil {
					t.Errorf("the restored %s does not pull: %v", tag, err)
				}
			}
			if left := remaining(t, srv.Host()); slices.Contains(left, "jarvis:PR3571-test-arm") {
				t.Errorf("restore brought back a tag not asked for")
			}

			// A tag pushed again since is never moved back.
			registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "PR3571-test-arm", Seed: 4242}})
			r = invoke(t, vars, sweep.Options{}, "restore", "--config", cfg, "--audit", log)
			if r.code != ExitFailed || !strings.Contains(r.stdout, "FAILED   jarvis:PR3571-test-arm: not restored: the tag exists again") {
				t.Errorf("restore over a re-pushed tag: exit %d\n%s", r.code, r.stdout)
			}
			if !strings.Contains(r.stdout, "restored jarvis:PR3571-test: already there") {
				t.Errorf("restoring twice:\n%s", r.stdout)
			}
		})
	}
}

func readRecords(t *testing.T, path string) []audit.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := audit.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return records
}
