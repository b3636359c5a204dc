package main

import (
	"fmt"
	"io"
)

// runCtl runs `procman ctl`.
func runCtl(args []string, in io.Reader, out, errOut io.Writer) int {
	fmt.Fprintln(errOut, "procman ctl: not built yet")
	return exitUsage
}
