package filter

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// testKey is a fixed AES-256 key for tests only.
var testKey = []byte("filter-test-key-0123456789abcdef")

// newTestAESGCM returns an AESGCM under testKey.
func newTestAESGCM(t testing.TB) *AESGCM {
	t.Helper()
	a, err := NewAESGCM(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// textBody returns n bytes of JSON-like text that compresses about as well
// as a real API payload: repeated keys, varied values.
func textBody(n int) []byte {
	names := []string{"Ada", "Brahim", "Chen", "Dolores", "Emeka", "Freya", "Gustavo", "Hana"}
	cities := []string{"Lyon", "Osaka", "Nairobi", "Porto Alegre", "Tampere", "Hobart"}
	states := []string{"pending", "paid", "shipped", "returned"}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	var b bytes.Buffer
	for i := 1; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"customer":%q,"city":%q,"qty":%d,"price":%d.%02d,"status":%q,"note":"ref %x"},`+"\n",
			1000+i, names[r.IntN(len(names))], cities[r.IntN(len(cities))], 1+r.IntN(40),
			r.IntN(500), r.IntN(100), states[r.IntN(len(states))], r.Uint32())
	}
	return b.Bytes()[:n]
}

// randomBody returns n bytes that do not compress.
func randomBody(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(n), 1}).Read(b)
	return b
}

// roundTrip encodes body with f after a prefix, checks the prefix survived,
// and decodes the result (or the body itself when f declined) after
// another prefix. It returns what Decode restored and whether f applied.
func roundTrip(t *testing.T, f wire.Filter, body []byte, limit int) (restored []byte, applied bool) {
	t.Helper()
	enc, applied, err := f.Encode([]byte("enc:"), body)
	if err != nil {
		t.Fatalf("%s Encode of %d bytes: %v", f.Name(), len(body), err)
	}
	if !bytes.HasPrefix(enc, []byte("enc:")) {
		t.Fatalf("%s Encode lost dst's prefix: %q", f.Name(), enc[:min(len(enc), 8)])
	}
	if !applied {
		if len(enc) != len("enc:") {
			t.Fatalf("%s Encode declined but appended %d bytes", f.Name(), len(enc)-len("enc:"))
		}
		return body, false
	}
	dec, err := f.Decode([]byte("dec:"), enc[len("enc:"):], limit)
	if err != nil {
		t.Fatalf("%s Decode of its own %d-byte encoding: %v", f.Name(), len(enc)-len("enc:"), err)
	}
	if !bytes.HasPrefix(dec, []byte("dec:")) {
		t.Fatalf("%s Decode lost dst's prefix", f.Name())
	}
	return dec[len("dec:"):], true
}

// flip returns a copy of b with byte i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}
