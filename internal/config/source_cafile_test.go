package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// A source's caFile is read relative to the configuration, expands ${VAR}, and is
// refused on a static source (it has no server).
func TestSourceCAFile(t *testing.T) {
	dir := t.TempDir()
	y := strings.Replace(githubYAML, "{name: gh, type: github, token: t}", "{name: gh, type: github, token: t, caFile: '${CA_DIR}/ghes-ca.pem'}", 1)
	c, err := Parse([]byte(y), dir, func(k string) (string, bool) { return "certs", k == "CA_DIR" })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0].CAFile; got != filepath.Join(dir, "certs", "ghes-ca.pem") {
		t.Errorf("caFile %q, want it relative to the config", got)
	}
	if errs := errorsOrNone(t, c.Validate()); len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
	c.Sources = append(c.Sources, Source{Name: "offline", Type: "static", States: map[string]string{"1": "merged"}, CAFile: "ca.pem"})
	errs := errorsOrNone(t, c.Validate())
	if len(errs) != 1 || errs[0].Path != "sources[1].caFile" || !strings.Contains(errs[0].Msg, "not used with type static") {
		t.Errorf("static source with caFile: %v", errs)
	}
}
