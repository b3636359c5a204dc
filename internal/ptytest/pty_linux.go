package ptytest

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

func ioctl(fd uintptr, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// Open opens a pseudo-terminal pair, closed when the test ends. The master
// is non-blocking, so that its reads end when it is closed. It skips the
// test when /dev/ptmx cannot be opened.
func Open(t testing.TB) (master, slave *os.File) {
	t.Helper()
	mfd, err := syscall.Open("/dev/ptmx", syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("cannot open /dev/ptmx: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(uintptr(mfd), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		syscall.Close(mfd)
		t.Fatalf("unlockpt: %v", err)
	}
	if err := ioctl(uintptr(mfd), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		syscall.Close(mfd)
		t.Fatalf("ptsname: %v", err)
	}
	name := "/dev/pts/" + strconv.FormatUint(uint64(n), 10)
	sfd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Close(mfd)
		t.Fatalf("open %s: %v", name, err)
	}
	syscall.SetNonblock(mfd, true)
	master, slave = os.NewFile(uintptr(mfd), "/dev/ptmx"), os.NewFile(uintptr(sfd), name)
	t.Cleanup(func() {
		slave.Close()
		master.Close()
	})
	return master, slave
}

// Termios returns the mode of the terminal f.
func Termios(t testing.TB, f *os.File) syscall.Termios {
	t.Helper()
	var tio syscall.Termios
	if err := ioctl(f.Fd(), syscall.TCGETS, unsafe.Pointer(&tio)); err != nil {
		t.Fatal(err)
	}
	return tio
}
