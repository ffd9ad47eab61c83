package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const secretValue = "s3cr3t-Zq9xK7wV"

// printed returns every way a test can think of to print v.
func printed(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "%d", "%T", "%10.3s", "%-8v", "%p"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	b.WriteString(fmt.Sprint(v) + fmt.Sprintln(v))
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	b.Write(j)
	y, err := yaml.Marshal(v)
	if err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b.Write(y)
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "v", v)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", v, slog.Any("any", v))
	b.Write(logs.Bytes())
	return b.String()
}

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret(secretValue)
	type wrapper struct {
		Name   string
		Secret Secret
		Ptr    *Secret
	}
	cases := map[string]any{
		"value":    s,
		"pointer":  &s,
		"struct":   wrapper{Name: "n", Secret: s, Ptr: &s},
		"slice":    []Secret{s, s},
		"map":      map[string]Secret{"k": s},
		"registry": Registry{URL: "r.io", Username: "u", Password: s, ClientSecret: s},
		"source":   Source{Name: "ado", Token: s},
		"config":   Config{Registry: Registry{Password: s}, Sources: []Source{{Token: s}}},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			out := printed(t, v)
			if strings.Contains(out, secretValue) {
				t.Fatalf("secret value printed:\n%s", out)
			}
			if !strings.Contains(out, "***") {
				t.Fatalf("no *** in:\n%s", out)
			}
		})
	}
}

func TestSecretEmptyPrintsEmpty(t *testing.T) {
	var s Secret
	for _, got := range []string{s.String(), s.GoString(), fmt.Sprintf("%v", s), fmt.Sprintf("%#v", s)} {
		if got != "" {
			t.Errorf("empty secret printed %q", got)
		}
	}
	if j, _ := json.Marshal(s); string(j) != `""` {
		t.Errorf("json = %s", j)
	}
	if s.IsSet() {
		t.Error("IsSet on an empty secret")
	}
}

func TestSecretReveal(t *testing.T) {
	s := NewSecret(secretValue)
	if s.Reveal() != secretValue || !s.IsSet() {
		t.Fatalf("Reveal = %q, IsSet = %v", s.Reveal(), s.IsSet())
	}
	if !s.Equal(NewSecret(secretValue)) || s.Equal(NewSecret("other")) {
		t.Fatal("Equal is wrong")
	}
}

func TestSecretUnmarshalYAML(t *testing.T) {
	tests := []struct {
		yaml string
		want string
	}{
		{`password: plain`, "plain"},
		{`password: "quoted \"x\""`, `quoted "x"`},
		{`password: 0123`, "0123"}, // as written, not octal
		{`password: 1.50`, "1.50"},
		{`password: true`, "true"},
		{`password: ~`, ""},
		{"password: |\n  block\n", "block\n"},
		{"password: !!str 0123", "0123"},
	}
	for _, tt := range tests {
		var v struct {
			Password Secret `yaml:"password"`
		}
		if err := yaml.Unmarshal([]byte(tt.yaml), &v); err != nil {
			t.Errorf("%s: %v", tt.yaml, err)
			continue
		}
		if got := v.Password.Reveal(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.yaml, got, tt.want)
		}
	}
	var v struct {
		Password Secret `yaml:"password"`
	}
	err := yaml.Unmarshal([]byte("password: [hunter2]"), &v)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a sequence for a secret: err = %v", err)
	}
}

func TestLiteralSecretWarns(t *testing.T) {
	yaml := `registry:
  url: registry.example.com
  username: u
  password: hunter2-literal
sources:
  - name: ado
    type: azuredevops
    url: https://dev.azure.com/contoso
    project: p
    token: ${ADO_TOKEN}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: ado
`
	env := func(k string) (string, bool) { return map[string]string{"ADO_TOKEN": "t0ken"}[k], k == "ADO_TOKEN" }
	c, err := Parse([]byte(yaml), t.TempDir(), env)
	if err != nil {
		t.Fatal(err)
	}
	w := c.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "registry.password") || strings.Contains(w[0], "hunter2") {
		t.Errorf("warnings %q, want one naming registry.password and not its value", w)
	}
}
