// Command prsweep-bench times one prsweep sweep against the original script's
// algorithm on a synthetic registry with latency and quotas: see internal/bench
// and the README's "Benchmark".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/prsweep/prsweep/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := bench.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
