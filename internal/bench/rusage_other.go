//go:build !unix

package bench

import "os"

// maxRSS is unknown here (no getrusage).
func maxRSS() int64 { return 0 }

func childMaxRSS(*os.ProcessState) int64 { return 0 }
