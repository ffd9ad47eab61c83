package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFileBasedSecretsAndStates(t *testing.T) {
	c, err := Load("testdata/files.yaml", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0].Token.Reveal(); got != "file-token-Vq81" {
		t.Errorf("token from file = %q", got)
	}
	if want := map[string]string{"3571": "merged", "3574": "closed", "3580": "open"}; !cmp.Equal(c.Sources[1].States, want) {
		t.Errorf("states from file = %v", c.Sources[1].States)
	}
	if want := filepath.Join("testdata", "ca.pem"); c.Registry.CAFile != want {
		t.Errorf("caFile = %q, want %q", c.Registry.CAFile, want)
	}
	if c.Registry.Scheme() != "http" || c.Registry.Host() != "localhost:5000" {
		t.Errorf("Scheme, Host = %q, %q", c.Registry.Scheme(), c.Registry.Host())
	}
	if c.Rules[1].After.Std() != 36*time.Hour || c.Rules[0].TagPattern().String() != `^PR(?<pr>\d+)-test$` {
		t.Errorf("rules = %+v", c.Rules)
	}
}

func TestFileErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("empty", "\n")
	write("bad-states.yaml", "\"12\": [merged]\n")
	write("odd-states.yaml", "abc: merged\n\"13\": gone\n")
	src := `
registry: {url: r.example.com, type: acr, clientSecretFile: missing-secret, tenantId: t, clientId: c}
sources:
  - {name: a, type: azuredevops, url: https://dev.azure.com/o, project: p, tokenFile: missing-token}
  - {name: b, type: azuredevops, url: https://dev.azure.com/o, project: p, tokenFile: empty}
  - {name: c, type: static, file: missing.yaml}
  - {name: d, type: static, file: bad-states.yaml}
  - {name: e, type: static, file: odd-states.yaml}
rules: [{tags: '^PR(?P<pr>\d+)', source: a}]
`
	_, err := Parse([]byte(src), dir, nil)
	configErrors(t, err)
	got := err.Error()
	for _, want := range []string{
		`registry.clientSecretFile: reading "missing-secret": no such file or directory`,
		`sources[0].tokenFile: reading "missing-token": no such file or directory`,
		`sources[1].tokenFile: the file is empty`,
		`sources[2].file: reading "missing.yaml": no such file or directory`,
		`sources[3].file: bad-states.yaml:1:7: 12: want a string`,
		`sources[4].file: pull request "abc": "abc" is not a pull-request number`,
		`sources[4].file: pull request "13": "gone" is not a state`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false")
	}
	if strings.Contains(got, dir) {
		t.Errorf("error holds the directory:\n%s", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}
