package deploytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/prsweep/prsweep/internal/config"
)

// TestExampleConfigs loads the configurations the pipeline examples run with, as
// prsweep would (the secrets they name come from the environment). While the GitHub
// and GitLab adapters are being written, config says their types are "not supported
// yet"; that and nothing else is let through.
func TestExampleConfigs(t *testing.T) {
	env := func(name string) (string, bool) {
		switch name {
		case "SYSTEM_ACCESSTOKEN", "GITHUB_TOKEN", "GITLAB_TOKEN":
			return "a-secret-value", true
		}
		return "", false
	}
	for _, path := range []string{
		"deploy/pipelines/azure/prsweep.yaml",
		"deploy/pipelines/azure/prsweep-acr.yaml",
		"deploy/pipelines/github/prsweep.yaml",
		"deploy/pipelines/gitlab/prsweep.yaml",
	} {
		t.Run(path, func(t *testing.T) {
			if _, err := config.Load(filepath.Join(root, path), env); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestChartExampleConfigs: the `config:` of each Helm example is a configuration
// prsweep loads (the chart puts it in the ConfigMap, adding only serve.history for
// serve's volume). The chart itself is rendered by the tests of the deploy module.
func TestChartExampleConfigs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(root, "deploy/helm/prsweep/examples/*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no chart examples: %v", err)
	}
	// The Secret's variables, and what the workload identity webhook injects.
	env := func(name string) (string, bool) {
		switch {
		case strings.HasPrefix(name, "PRSWEEP_"):
			return "", false
		case name == "AZURE_TENANT_ID" || name == "AZURE_CLIENT_ID":
			return "3c1a8c9e-5d0e-4f3b-9a7e-0b1d2c3e4f50", true
		case name == "AZURE_FEDERATED_TOKEN_FILE":
			return "/var/run/secrets/azure/tokens/azure-identity-token", true
		}
		return "from-the-secret", true
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var values struct {
				Config map[string]any `yaml:"config"`
			}
			if err := yaml.Unmarshal(data, &values); err != nil {
				t.Fatal(err)
			}
			cfg, err := yaml.Marshal(values.Config)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := config.Parse(cfg, "", env); err != nil {
				t.Errorf("%v\n%s", err, cfg)
			}
		})
	}
}
