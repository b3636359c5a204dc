package wire

import (
	"bytes"
	"testing"
)

func TestAllocBody(t *testing.T) {
	var m Message
	b := m.AllocBody(600)
	if len(b) != 600 {
		t.Fatalf("AllocBody(600) is %d bytes", len(b))
	}
	copy(b, "body")
	m.Body = b[:4]
	b2 := m.AllocBody(10) // gives the first buffer back
	if len(b2) != 10 || m.Body != nil {
		t.Fatalf("second AllocBody: %d bytes, Body %q", len(b2), m.Body)
	}
	m.Body = b2
	m.Reset()
	if m.Body != nil || m.buf != nil {
		t.Fatal("Reset kept the buffer")
	}
}

func TestGrowBody(t *testing.T) {
	var m Message
	b := m.GrowBody(3) // no buffer yet: AllocBody
	copy(b, "abc")
	for _, n := range []int{5, 512, 4096, 100000} {
		prev := len(b)
		b = m.GrowBody(n)
		if len(b) != n || !bytes.Equal(b[:3], []byte("abc")) {
			t.Fatalf("GrowBody(%d) from %d bytes: %d bytes starting %q", n, prev, len(b), b[:3])
		}
		b[n-1] = 'z'
	}
	if b = m.GrowBody(2); !bytes.Equal(b, []byte("ab")) {
		t.Fatalf("GrowBody(2) = %q", b)
	}
	m.Release()
	if m.buf != nil {
		t.Fatal("Release kept the buffer")
	}
}
