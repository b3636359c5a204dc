package kcp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// errPause is a timeout from a reader that has more to give.
var errPause = errors.New("pause")

// pausingReader returns at most one byte per read, and errPause before
// every few, as a connection whose read deadline keeps passing does.
type pausingReader struct {
	r     io.Reader
	every int
	n     int
}

func (p *pausingReader) Read(b []byte) (int, error) {
	p.n++
	if p.n%p.every == 0 {
		return 0, errPause
	}
	return p.r.Read(b[:min(len(b), 1)])
}

// chunks reads every chunk of cr into a description, retrying after
// errPause, until an error other than it.
func chunks(cr *chunkReader) (string, error) {
	var out bytes.Buffer
	for {
		if cr.data > 0 {
			buf := make([]byte, 7)
			n, err := cr.readData(buf)
			out.Write(buf[:n])
			if errors.Is(err, errPause) {
				continue
			}
			if err != nil {
				return out.String(), err
			}
			continue
		}
		typ, payload, err := cr.next()
		if errors.Is(err, errPause) {
			continue
		}
		if err != nil {
			return out.String(), err
		}
		if typ != chunkData {
			if len(payload) > maxControl {
				return "", fmt.Errorf("a control payload of %d bytes", len(payload))
			}
			fmt.Fprintf(&out, "<%d:%q>", typ, payload)
		}
	}
}

// FuzzChunkReader feeds arbitrary bytes to the session layer's chunk
// reader. It must never panic, never return a control payload over the
// limit, fail only with a protocol error or the stream's end, and read the
// same chunks when its reads keep timing out and are retried: a deadline
// never puts the stream out of step.
func FuzzChunkReader(f *testing.F) {
	var seed []byte
	seed = appendHeader(seed, chunkOpen, len(version))
	seed = append(seed, version...)
	seed = appendHeader(seed, chunkData, 5)
	seed = append(seed, "hello"...)
	seed = appendHeader(seed, chunkPing, 0)
	seed = appendHeader(seed, chunkClose, 3)
	seed = append(seed, "bye"...)
	f.Add(seed)
	f.Add([]byte{chunkData, 0xff, 0xff, 0xff, 1, 2, 3})
	f.Add([]byte{chunkPong, 0, 4, 1})
	f.Add([]byte{0x07, 0, 0, 0})
	f.Add(append(appendHeader(nil, chunkData, 1), 'x', chunkAccept, 0, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, perr := chunks(newChunkReader(bufio.NewReader(bytes.NewReader(data))))
		if perr != io.EOF && perr != io.ErrUnexpectedEOF && !errors.Is(perr, ErrProtocol) {
			t.Fatalf("unexpected error %v", perr)
		}
		slow := &pausingReader{r: bytes.NewReader(data), every: 3}
		paused, serr := chunks(newChunkReader(bufio.NewReaderSize(slow, 16)))
		if paused != plain || (serr == nil) != (perr == nil) || errors.Is(serr, ErrProtocol) != errors.Is(perr, ErrProtocol) {
			t.Fatalf("with pauses: %q, %v\nwithout:     %q, %v", paused, serr, plain, perr)
		}
	})
}
