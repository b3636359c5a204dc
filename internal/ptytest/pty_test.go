//go:build linux

package ptytest_test

import (
	"syscall"
	"testing"

	"github.com/dmicro-go/dmicro/internal/ptytest"
)

// TestOpen checks that the pair carries bytes from the slave to the
// master and that a new terminal starts in cooked mode.
func TestOpen(t *testing.T) {
	master, slave := ptytest.Open(t)
	if tio := ptytest.Termios(t, slave); tio.Lflag&syscall.ICANON == 0 {
		t.Errorf("a new terminal has lflag %#o; want canonical mode", tio.Lflag)
	}
	if _, err := slave.WriteString("hi"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	n, err := master.Read(buf)
	if err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("master read %q, %v; want \"hi\"", buf[:n], err)
	}
}
