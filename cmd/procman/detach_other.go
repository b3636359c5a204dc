//go:build !unix

package main

import (
	"fmt"
	"os"
)

// detach is not available here: the daemon runs in the foreground (-n).
func detach([]string) int {
	fmt.Fprintln(os.Stderr, "procman: this system cannot detach the daemon; run it with -n")
	return exitUsage
}

func ready(error) {}

func raiseLimits(int) {}
