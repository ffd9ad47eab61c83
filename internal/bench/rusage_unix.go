//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSS is this process's peak resident set size in bytes (getrusage).
func maxRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return rssBytes(int64(ru.Maxrss))
}

// childMaxRSS is a finished child's peak resident set size in bytes.
func childMaxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return rssBytes(int64(ru.Maxrss))
}

// rssBytes converts ru_maxrss: kilobytes on Linux and most unixes, bytes on macOS.
func rssBytes(v int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return v
	}
	return v * 1024
}
