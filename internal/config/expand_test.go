package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestExpand(t *testing.T) {
	env := mapEnv(map[string]string{"USER": "bob", "EMPTY": "", "_X1": "x", "DOLLAR": "$HOME"})
	tests := []struct {
		in, want string
		used     []string
	}{
		{"plain", "plain", nil},
		{"${USER}", "bob", []string{"USER"}},
		{"a-${USER}-b", "a-bob-b", []string{"USER"}},
		{"${USER}${_X1}", "bobx", []string{"USER", "_X1"}},
		{"${EMPTY}", "", []string{"EMPTY"}},
		{"$$", "$", nil},
		{"$${USER}", "${USER}", nil},
		{"$$$${USER}", "$${USER}", nil},
		{"$$${USER}", "$bob", []string{"USER"}},
		{"^latest$", "^latest$", nil},
		{"$USER", "$USER", nil},
		{"a$", "a$", nil},
		{"${DOLLAR}", "$HOME", []string{"DOLLAR"}}, // values are not expanded again
	}
	for _, tt := range tests {
		got, used, err := expand(tt.in, env)
		if err != nil || got != tt.want || !cmp.Equal(used, tt.used) {
			t.Errorf("expand(%q) = %q, %v, %v; want %q, %v", tt.in, got, used, err, tt.want, tt.used)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	env := mapEnv(map[string]string{"SET": "s3cr3t-value"})
	tests := []struct{ in, want string }{
		{"${UNSET}", "environment variable UNSET is not set"},
		{"${SET}-${UNSET}", "UNSET is not set"},
		{"${SET", "unterminated ${"},
		{"${}", "invalid variable name"},
		{"${1A}", "invalid variable name"},
		{"${A-B}", "invalid variable name"},
		{"${SET:-default}", "invalid variable name"},
	}
	for _, tt := range tests {
		_, _, err := expand(tt.in, env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("expand(%q) error = %v; want %q", tt.in, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("expand(%q) error holds a value: %v", tt.in, err)
		}
	}
}
