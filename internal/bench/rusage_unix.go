//go:build unix

package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// maxRSS is this process's peak resident set size in bytes. On Linux it is the
// VmHWM of /proc/self/status: getrusage's ru_maxrss of a process started by a
// large one (the harness) counts the parent's RSS at exec, because Go starts
// children with vfork semantics and Linux carries the old memory's high-water
// mark across exec. Elsewhere, getrusage.
func maxRSS() int64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return ru.Maxrss // bytes there, kilobytes elsewhere
	}
	return int64(ru.Maxrss) * 1024
}
