package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestServeHistory(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse([]byte(baseYAML+"serve:\n  schedule: \"@daily\"\n  history: ${HIST}\n  historyLimit: 7\n"), dir, mapEnv(map[string]string{"HIST": "state/sweeps"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "state/sweeps"); c.Serve.History != want || c.Serve.HistorySize() != 7 {
		t.Errorf("history %q (limit %d), want %q relative to the config file (limit 7)", c.Serve.History, c.Serve.HistorySize(), want)
	}
	if c := validConfig(t); c.Serve.History != "" || c.Serve.HistorySize() != DefaultHistoryLimit {
		t.Errorf("default: history %q, limit %d", c.Serve.History, c.Serve.HistorySize())
	}
	for _, n := range []int{-1, 10001} {
		c := validConfig(t)
		c.Serve.HistoryLimit = n
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "serve.historyLimit") {
			t.Errorf("historyLimit %d: %v", n, err)
		}
	}
}
