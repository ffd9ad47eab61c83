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
	// The first signal stops the sweep gracefully (no new deletion; report and audit
	// written); a second one, with the default handling restored, ends it at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
