package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/scm"
)

// FuzzParse: Parse never panics, every error is a configuration error, no error
// holds a secret from the environment or a secret file, and a config that parses
// validates again and hands out usable compiled forms.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/valid.yaml", "testdata/files.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	fileSecret, err := os.ReadFile("testdata/secrets/ado-token")
	if err != nil {
		f.Fatal(err)
	}
	secrets := []string{secretValue, strings.TrimSpace(string(fileSecret))}
	env := mapEnv(map[string]string{
		"REGISTRY_USER":      "bob",
		"REGISTRY_PASSWORD":  secretValue,
		"SYSTEM_ACCESSTOKEN": secretValue,
		"FUZZ_SECRET":        secretValue,
		EnvRegistryPassword:  secretValue,
		"EMPTY":              "",
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "testdata", env)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) && !bytes.Contains(data, []byte(s)) {
					t.Fatalf("error holds a secret:\n%v", err)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a parsed config does not validate again: %v", err)
		}
		if c.Registry.Scheme() == "" || c.Registry.Host() == "" {
			t.Fatalf("no scheme or host for %q", c.Registry.URL)
		}
		if len(c.KeepPatterns()) != len(c.Keep) {
			t.Fatalf("keep patterns %d, keep %d", len(c.KeepPatterns()), len(c.Keep))
		}
		for _, r := range c.Rules {
			if re := r.TagPattern(); re == nil || re.SubexpIndex("pr") < 0 {
				t.Fatalf("rule %q has no usable pattern", r.Tags)
			}
			for _, st := range r.DeleteStates() {
				if st == scm.Unknown {
					t.Fatal("unknown is deletable")
				}
			}
		}
		printedCfg := fmt.Sprintf("%+v %#v %v", c.Registry.Password, c.Sources, c.Registry)
		if strings.Contains(printedCfg, secretValue) && !strings.Contains(c.Registry.URL+c.Registry.Username, secretValue) {
			t.Fatalf("a secret printed: %s", printedCfg)
		}
	})
}
