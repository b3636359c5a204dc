package wiretest

import "io"

// Cycle returns a reader that yields data over and over, forever, without
// allocating: the input of a benchmark or an allocation pin that reads the
// same frames again and again.
func Cycle(data []byte) io.Reader { return &cycleReader{data: data} }

type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.data[c.off:])
		n += k
		c.off = (c.off + k) % len(c.data)
	}
	return n, nil
}

// filler returns a reader that yields n bytes and then io.EOF, without
// storing or writing them: the reader's buffer keeps whatever it held. It
// stands for the body of a huge frame that must be skipped.
func filler(n int64) io.Reader { return &fillReader{n: n} }

type fillReader struct{ n int64 }

func (z *fillReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	z.n -= int64(k)
	return k, nil
}
