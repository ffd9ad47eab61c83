//go:build !unix

package bench

// maxRSS is unknown here (no getrusage).
func maxRSS() int64 { return 0 }
