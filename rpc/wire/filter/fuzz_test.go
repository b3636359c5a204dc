package filter

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// fuzzLimit keeps the fuzzer's output, and so its allocations, small.
const fuzzLimit = 1 << 16

// fuzzSeedBodies are the bodies whose encodings seed every target.
var fuzzSeedBodies = [][]byte{
	nil,
	[]byte("a"),
	[]byte(`{"id":1,"name":"Ada"}`),
	textBody(581),
	bytes.Repeat([]byte{0}, 4096),
}

// fuzzGarbage seeds every target with bytes that are no encoding.
var fuzzGarbage = [][]byte{
	{},
	{0},
	[]byte("garbage, not a body"),
	{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff},
	bytes.Repeat([]byte{0xff}, 40),
}

// checkDecode checks the contract of one Decode of arbitrary data after a
// prefix in dst: no more than limit bytes appended, dst intact, and an
// error wrapping exactly one of the two sentinels.
func checkDecode(t *testing.T, f wire.Filter, data []byte, limit int) {
	t.Helper()
	dst := []byte("dst")
	out, err := f.Decode(dst, data, limit)
	if !bytes.HasPrefix(out, dst) {
		t.Fatalf("%s Decode lost the prefix of dst", f.Name())
	}
	if n := len(out) - len(dst); n > limit {
		t.Fatalf("%s Decode produced %d bytes, over the %d-byte limit", f.Name(), n, limit)
	}
	if err != nil {
		if errors.Is(err, wire.ErrIntegrity) == errors.Is(err, wire.ErrTooLarge) {
			t.Fatalf("%s Decode error %v wraps neither or both sentinels", f.Name(), err)
		}
		if len(out) != len(dst) {
			t.Fatalf("%s Decode failed but appended %d bytes", f.Name(), len(out)-len(dst))
		}
	}
}

// checkRoundTrip checks that body survives Encode and Decode with a limit
// of exactly its size.
func checkRoundTrip(t *testing.T, f wire.Filter, body []byte) {
	t.Helper()
	enc, applied, err := f.Encode([]byte("enc"), body)
	if err != nil {
		t.Fatalf("%s Encode: %v", f.Name(), err)
	}
	if !applied {
		if string(enc) != "enc" {
			t.Fatalf("%s Encode declined but changed dst", f.Name())
		}
		return
	}
	dec, err := f.Decode([]byte("dec"), enc[3:], max(len(body), 1))
	if err != nil {
		t.Fatalf("%s Decode of its own encoding: %v", f.Name(), err)
	}
	if !bytes.Equal(dec[3:], body) {
		t.Fatalf("%s round trip changed the body", f.Name())
	}
}

// FuzzGzipDecode feeds arbitrary bytes to Gzip's Decode, and encodes and
// decodes them as a body.
func FuzzGzipDecode(f *testing.F) {
	g := Gzip{MinSize: -1}
	for _, b := range fuzzSeedBodies {
		enc, _, _ := g.Encode(nil, b)
		f.Add(enc)
		if len(enc) > 10 {
			f.Add(enc[:len(enc)-5])
		}
	}
	bomb, _, _ := g.Encode(nil, make([]byte, 4*fuzzLimit))
	f.Add(bomb)
	for _, b := range fuzzGarbage {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, g, data, fuzzLimit)
		checkDecode(t, g, data, 100)
		checkRoundTrip(t, g, data)
		checkRoundTrip(t, Gzip{Level: 1, MinSize: -1}, data)
	})
}

// FuzzMD5Decode feeds arbitrary bytes to MD5's Decode, and encodes and
// decodes them as a body.
func FuzzMD5Decode(f *testing.F) {
	for _, b := range fuzzSeedBodies {
		enc, _, _ := MD5{}.Encode(nil, b)
		f.Add(enc)
		f.Add(flip(enc, 0))
	}
	for _, b := range fuzzGarbage {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, MD5{}, data, fuzzLimit)
		checkDecode(t, MD5{}, data, 100)
		checkRoundTrip(t, MD5{}, data)
	})
}

// FuzzAESGCMDecode feeds arbitrary bytes to AESGCM's Decode under a fixed
// key, and encodes and decodes them as a body.
func FuzzAESGCMDecode(f *testing.F) {
	a := newTestAESGCM(f)
	for _, b := range fuzzSeedBodies {
		enc, _, _ := a.Encode(nil, b)
		f.Add(enc)
		f.Add(flip(enc, len(enc)-1))
	}
	for _, b := range fuzzGarbage {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, a, data, fuzzLimit)
		checkDecode(t, a, data, 100)
		checkRoundTrip(t, a, data)
	})
}
