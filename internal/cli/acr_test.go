package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/httpx"
	"github.com/prsweep/prsweep/internal/httpx/httpxtest"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

const (
	acrTenant = "0f1e2d3c-0000-4000-8000-00000000aaaa"
	acrSecret = "sp-s3cret-Qv7~x9.KeepOutOfLogs" // fake
)

func acrConfig(f *registrytest.ACR, caFile, clientID string) string {
	return fmt.Sprintf(`registry:
  type: acr
  url: %s
  caFile: %s
  tenantId: %s
  clientId: %s
  clientSecret: ${AZURE_CLIENT_SECRET}
  authorityHost: %s
sources:
  - name: prs
    type: static
    states: {"3571": merged, "3574": closed, "3561": open, "3565": open, "3589": open}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
`, f.Host(), caFile, acrTenant, clientID, f.AuthorityHost())
}

// prsweep validate and run against ACR: the missing permission is named, the exit
// codes are the documented ones, and the client secret appears nowhere.
func TestACRValidateAndRun(t *testing.T) {
	backend := registrytest.StartV3(t)
	registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	f := registrytest.StartACR(t, backend)
	const reader, contributor = "22222222-2222-4333-8444-555555555555", "11111111-2222-4333-8444-555555555555"
	f.AddServicePrincipal(acrTenant, reader, acrSecret, registrytest.ACRReader())
	f.AddServicePrincipal(acrTenant, contributor, acrSecret, registrytest.ACRContributor())
	caFile := f.WriteCAFile(t, t.TempDir())
	vars := map[string]string{"AZURE_CLIENT_SECRET": acrSecret}
	opts := sweep.Options{RetryOptions: []httpx.RetryOption{httpx.WithSleep((&httpxtest.Sleeps{}).Sleep)}}

	r := invoke(t, vars, opts, "validate", "--config", writeConfig(t, acrConfig(f, caFile, reader)), "--log-level", "debug")
	if r.code != ExitUsage {
		t.Errorf("validate as a reader: exit %d, want %d\n%s%s", r.code, ExitUsage, r.stdout, r.stderr)
	}
	for _, want := range []string{"ok      registry:", "FAILED  registry permissions:", "Microsoft.ContainerRegistry/registries/repositories/content/delete"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, acrSecret) {
		t.Error("the client secret appears in validate's output")
	}

	r = invoke(t, vars, opts, "validate", "--config", writeConfig(t, acrConfig(f, caFile, contributor)))
	if r.code != ExitOK {
		t.Errorf("validate as a contributor: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = invoke(t, vars, opts, "run", "--config", writeConfig(t, acrConfig(f, caFile, contributor)), "--output", "json", "--log-level", "debug")
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	items, _ := jsonReport(t, r)
	for _, ref := range registrytest.ClassicDeleted() {
		if it := items[ref]; it.Action != policy.Delete || !it.Done {
			t.Errorf("%s: %+v, want deleted", ref, it)
		}
	}
	if it := items["jarvis:5.32.0-develop"]; it.Action != policy.Keep {
		t.Errorf("jarvis:5.32.0-develop: %+v, want kept", it)
	}
	if strings.Contains(r.stdout+r.stderr, acrSecret) {
		t.Error("the client secret appears in run's output")
	}
}

// The audit log keeps what ACR deletes, and restore puts it back through ACR.
func TestACRAuditAndRestore(t *testing.T) {
	backend := registrytest.StartV3(t)
	digests := registrytest.MustSeed(t, backend, registrytest.ClassicSet())
	f := registrytest.StartACR(t, backend)
	const contributor = "11111111-2222-4333-8444-555555555555"
	f.AddServicePrincipal(acrTenant, contributor, acrSecret, registrytest.ACRContributor())
	cfg := writeConfig(t, acrConfig(f, f.WriteCAFile(t, t.TempDir()), contributor)+"untagged: delete\n")
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	vars := map[string]string{"AZURE_CLIENT_SECRET": acrSecret}

	if r := invoke(t, vars, sweep.Options{}, "run", "--config", cfg, "--audit", log); r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if f.Count("DELETE /v2/{repo}/manifests/{ref}") == 0 {
		t.Fatal("untagged: delete deleted no manifest")
	}
	r := invoke(t, vars, sweep.Options{}, "restore", "--config", cfg, "--audit", log,
		"--tag", "jarvis:PR3571-test", "--tag", "jarvis:PR3574-test")
	if r.code != ExitOK {
		t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tag := range []string{"PR3571-test", "PR3574-test"} {
		m, err := registryClient(t, backend.Host()).Resolve(context.Background(), "jarvis", tag)
		if err != nil || m.Digest != digests["jarvis:"+tag] {
			t.Errorf("%s after restore: %+v %v, want %s", tag, m, err, digests["jarvis:"+tag])
		}
		if err := registrytest.Pull(context.Background(), backend.Host(), "jarvis", tag); err != nil {
			t.Errorf("the restored %s does not pull: %v", tag, err)
		}
	}
}
