// Command prsweep deletes container images built for pull requests once the pull
// request is merged or closed. See the README and SPEC for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/prsweep/prsweep/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
