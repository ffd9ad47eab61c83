package registry_test

import (
	"testing"

	"github.com/prsweep/prsweep/internal/registry"
)

func TestMatchRepository(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"*", "jarvis", true},
		{"*", "team/app/api", true},
		{"team/*", "team/app", true},
		{"team/*", "team/app/api", true},
		{"team/*", "teamapp", false},
		{"jarvis*", "jarvis_base", true},
		{"jarvis*", "jarvis", true},
		{"jarvis", "jarvis_base", false},
		{"*/api", "team/app/api", true},
		{"j?rvis", "jarvis", true},
		{"[", "jarvis", false},
	}
	for _, tt := range tests {
		if got := registry.MatchRepository(tt.glob, tt.name); got != tt.want {
			t.Errorf("MatchRepository(%q, %q) = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}
