package bufpool

import "testing"

func TestGetLengthAndClass(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 1 << 20, 1<<23 + 1} {
		b := Get(n)
		if len(*b) != n {
			t.Fatalf("Get(%d): len %d", n, len(*b))
		}
		if cap(*b) < n {
			t.Fatalf("Get(%d): cap %d", n, cap(*b))
		}
		Put(b)
	}
}

func TestPutIgnoresForeignSlices(t *testing.T) {
	b := make([]byte, 700) // not a class size
	Put(&b)
	Put(nil)
	g := Get(700)
	if cap(*g) != 1024 {
		t.Fatalf("cap %d, want the 1 KiB class", cap(*g))
	}
}

func TestReuseDoesNotAllocate(t *testing.T) {
	Put(Get(600))
	allocs := testing.AllocsPerRun(100, func() { Put(Get(600)) })
	if allocs > 0 {
		t.Fatalf("Get/Put allocated %.1f times per run", allocs)
	}
}
