package config

import (
	"strings"
	"testing"
)

func TestRegistryUntag(t *testing.T) {
	if c := mustParse(t, minimal, nil); c.Registry.Untag != "" {
		t.Errorf("registry.untag left out reads %q, want empty (prove)", c.Registry.Untag)
	}
	for _, v := range []string{"prove", "trusted", "off"} {
		if c := mustParse(t, strings.Replace(minimal, "{url: r.example.com}", "{url: r.example.com, untag: "+v+"}", 1), nil); c.Registry.Untag != v {
			t.Errorf("registry.untag: %s read as %q", v, c.Registry.Untag)
		}
	}
	for src, want := range map[string]string{
		"{url: r.example.com, untag: always}":            `"always" is not prove, trusted or off`,
		"{type: acr, url: r.azurecr.io, untag: trusted}": "only used with type oci",
	} {
		_, err := Parse([]byte(strings.Replace(minimal, "{url: r.example.com}", src, 1)), "", mapEnv(nil))
		errs := configErrors(t, err)
		found := false
		for _, e := range errs {
			found = found || (e.Path == "registry.untag" && strings.Contains(e.Error(), want))
		}
		if !found {
			t.Errorf("registry: %s: %v; want an error on registry.untag saying %q", src, err, want)
		}
	}
}
