package loadgen

import (
	"os"
	"runtime"
	"testing"
)

func TestSelf(t *testing.T) {
	before := Self()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	f.Read(buf)
	f.Close()
	d := Self().Sub(before)
	if d.CPU <= 0 && runtime.GOOS != "windows" {
		t.Fatalf("no CPU time counted for a busy loop (%d): %+v", x, d)
	}
	if runtime.GOOS == "linux" && d.SysRead < 1 {
		t.Fatalf("the read was not counted: %+v", d)
	}
}
