//go:build !linux

package main

import (
	"context"
	"errors"
	"io"
)

func run(context.Context, options, io.Writer) error {
	return errors.New("procbench: runs on Linux only (it reads /proc)")
}

func child([]string) (int, bool) { return 0, false }
