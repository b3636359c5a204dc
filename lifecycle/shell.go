package lifecycle

import (
	"context"
	"fmt"
	"io"
)

// ctlCommand runs ctl: one command, or the interactive shell.
func (a *App) ctlCommand(ctx context.Context, cfg appConfig, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ctl: not yet")
	return ExitFailed
}
