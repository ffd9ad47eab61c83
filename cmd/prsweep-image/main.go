// Command prsweep-image builds prsweep's multi-arch container image without a
// Docker daemon and pushes it or writes an OCI layout: see internal/image and the
// README's "Install".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/prsweep/prsweep/internal/image"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := image.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
