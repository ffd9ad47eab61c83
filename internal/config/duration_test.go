package config

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"7d", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"2d30m", 48*time.Hour + 30*time.Minute},
		{"0d", 0},
		{"-1d", -24 * time.Hour},
		{"+3d", 72 * time.Hour},
		{"1.5h", 90 * time.Minute},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got.Std() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got.Std(), err, tt.want)
		}
	}
}

func TestParseDurationErrorsNameTheValue(t *testing.T) {
	for _, in := range []string{"", "7", "1.5d", "d", "7x", "1d-2h", "1d+2h", "12hd", "--1d", "x1d", "99999999999d", "106751d24h", "1d 2h"} {
		_, err := ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q) succeeded", in)
			continue
		}
		if !strings.Contains(err.Error(), `"`+in+`"`) {
			t.Errorf("ParseDuration(%q) error %q does not name the value", in, err)
		}
	}
}

func TestDurationStringRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 36 * time.Hour, 7 * 24 * time.Hour, -48 * time.Hour, 90 * time.Minute} {
		s := Duration(d).String()
		back, err := ParseDuration(s)
		if err != nil || back.Std() != d {
			t.Errorf("%v → %q → %v, %v", d, s, back.Std(), err)
		}
	}
	if got := Duration(7 * 24 * time.Hour).String(); got != "7d" {
		t.Errorf("7 days print as %q", got)
	}
}

func TestDurationYAML(t *testing.T) {
	var v struct {
		After Duration `yaml:"after"`
	}
	if err := yaml.Unmarshal([]byte("after: 1d12h"), &v); err != nil || v.After.Std() != 36*time.Hour {
		t.Fatalf("after = %v, %v", v.After, err)
	}
	if err := yaml.Unmarshal([]byte("after: 0"), &v); err != nil || v.After != 0 {
		t.Fatalf("after: 0 = %v, %v", v.After, err)
	}
	err := yaml.Unmarshal([]byte("after: 3 weeks"), &v)
	if err == nil || !strings.Contains(err.Error(), `"3 weeks"`) {
		t.Fatalf("err = %v", err)
	}
	out, err := yaml.Marshal(struct {
		After Duration `yaml:"after"`
	}{Duration(48 * time.Hour)})
	if err != nil || strings.TrimSpace(string(out)) != "after: 2d" {
		t.Fatalf("marshal = %q, %v", out, err)
	}
}
