package deploytest

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
		"deploy/pipelines/github/prsweep.yaml",
		"deploy/pipelines/gitlab/prsweep.yaml",
	} {
		t.Run(path, func(t *testing.T) {
			_, err := config.Load(filepath.Join(root, path), env)
			if err == nil {
				return
			}
			if pending(err) {
				t.Skipf("a type in it is not supported yet: %v", err)
			}
			t.Error(err)
		})
	}
}

// pending says whether every error is config's "TYPE is not supported yet" for a
// GitHub or GitLab type.
func pending(err error) bool {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var ce *config.Error
		if !errors.As(e, &ce) || !strings.HasSuffix(ce.Path, ".type") {
			return false
		}
		typ, ok := strings.CutSuffix(ce.Msg, " is not supported yet")
		if !ok || !slices.Contains([]string{"ghcr", "github", "gitlab"}, typ) {
			return false
		}
	}
	return true
}
