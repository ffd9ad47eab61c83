package registrytest

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeTB records how a helper ended the test.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	ended   string // "skip" or "fatal"
	message string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) end(how, msg string) {
	f.mu.Lock()
	f.ended, f.message = how, msg
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any)  { f.end("skip", fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.end("fatal", fmt.Sprintf(format, args...)) }

func TestRequireBinary(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "docker-registry")
	for _, tt := range []struct {
		required bool
		want     string
	}{
		{false, "skip"},
		{true, "fatal"},
	} {
		f := &fakeTB{TB: t}
		var wg sync.WaitGroup
		wg.Go(func() { requireBinary(f, missing, tt.required) })
		wg.Wait()
		if f.ended != tt.want || !strings.Contains(f.message, "apt-get install -y docker-registry") {
			t.Errorf("required=%v: ended with %s %q, want %s and the apt-get hint", tt.required, f.ended, f.message, tt.want)
		}
	}
	// An installed binary lets the test go on.
	f := &fakeTB{TB: t}
	requireBinary(f, "/proc/self/exe", true)
	if f.ended != "" {
		t.Errorf("an existing binary ended the test: %s %q", f.ended, f.message)
	}
}
