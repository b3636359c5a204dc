package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// Echo is the floor any RPC over TCP can reach: a frame of a 4-byte length,
// an 8-byte sequence number and the payload, echoed by the server, with no
// codec, no headers and nothing per call but the frame. Without Coalesce
// every frame is its own write system call on both sides; with it, frames
// queued together go out in one write (a flusher goroutine on the client,
// the server writing once its reader has nothing buffered).
//
// Sequence number 0 asks the server for its usage, which it answers as
// JSON in the payload.
type Echo struct {
	Coalesce bool
}

// payloadSize is the benchmark message's size: the echo carries as many
// bytes, without encoding any.
const payloadSize = benchpb.SampleSize

const echoHeader = 12 // length and sequence number

// Serve echoes every connection of l.
func (e Echo) Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer nc.Close()
			e.serveConn(nc)
		}()
	}
}

func (e Echo) serveConn(nc net.Conn) {
	br := bufio.NewReaderSize(nc, 64<<10)
	var out []byte
	frame := make([]byte, 0, 4096)
	for {
		var err error
		frame, err = readFrame(br, frame[:0])
		if err != nil {
			return
		}
		if binary.BigEndian.Uint64(frame[4:]) == 0 {
			u, _ := json.Marshal(loadgen.Self())
			frame = appendFrame(frame[:0], 0, u)
		}
		if !e.Coalesce {
			if _, err := nc.Write(frame); err != nil {
				return
			}
			continue
		}
		out = append(out, frame...)
		if br.Buffered() == 0 || len(out) > 256<<10 {
			if _, err := nc.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
	}
}

// readFrame appends the next frame, header included, to buf.
func readFrame(br *bufio.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return buf, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n < 8 || n > 16<<20 {
		return buf, fmt.Errorf("echo: frame of %d bytes", n)
	}
	buf = append(buf, hdr[:]...)
	start := len(buf)
	buf = append(buf, make([]byte, n)...)
	_, err := io.ReadFull(br, buf[start:])
	return buf, err
}

// appendFrame appends a frame of seq and payload to dst.
func appendFrame(dst []byte, seq uint64, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(8+len(payload)))
	dst = binary.BigEndian.AppendUint64(dst, seq)
	return append(dst, payload...)
}

// echoClient is one connection of the echo's client: callers write their
// frame (or queue it for the flusher) and wait for the reader goroutine to
// hand them the answer with their sequence number.
type echoClient struct {
	nc       net.Conn
	coalesce bool
	payload  []byte

	mu      sync.Mutex
	seq     uint64
	pending map[uint64]chan []byte
	frame   []byte        // the frame being written, without Coalesce
	out     []byte        // frames queued for the flusher
	kick    chan struct{} // wakes the flusher
	err     error

	done chan struct{}
	wg   sync.WaitGroup
}

// Dial connects to addr.
func (e Echo) Dial(ctx context.Context, addr string) (Client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &echoClient{nc: nc, coalesce: e.Coalesce, payload: make([]byte, payloadSize),
		pending: make(map[uint64]chan []byte), kick: make(chan struct{}, 1), done: make(chan struct{})}
	c.wg.Add(1)
	go c.read()
	if e.Coalesce {
		c.wg.Add(1)
		go c.flush()
	}
	return c, nil
}

// send writes or queues a frame and returns the channel of its answer.
func (c *echoClient) send(seqZero bool) (chan []byte, error) {
	ch := chans.Get().(chan []byte)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	var seq uint64
	if !seqZero {
		c.seq++
		seq = c.seq
	}
	c.pending[seq] = ch
	if c.coalesce {
		c.out = appendFrame(c.out, seq, c.payload)
		c.mu.Unlock()
		select {
		case c.kick <- struct{}{}:
		default:
		}
		return ch, nil
	}
	c.frame = appendFrame(c.frame[:0], seq, c.payload)
	_, err := c.nc.Write(c.frame) // under mu: frames do not interleave
	c.mu.Unlock()
	return ch, err
}

// chans recycles the channels that hand callers their answers.
var chans = sync.Pool{New: func() any { return make(chan []byte, 1) }}

func (c *echoClient) wait(ctx context.Context, ch chan []byte) ([]byte, error) {
	select {
	case b, ok := <-ch:
		if !ok {
			return nil, errors.New("echo: connection closed")
		}
		chans.Put(ch)
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *echoClient) Call(ctx context.Context) error {
	ch, err := c.send(false)
	if err != nil {
		return err
	}
	_, err = c.wait(ctx, ch)
	return err
}

func (c *echoClient) Usage(ctx context.Context) (loadgen.Usage, error) {
	var u loadgen.Usage
	ch, err := c.send(true)
	if err != nil {
		return u, err
	}
	b, err := c.wait(ctx, ch)
	if err != nil {
		return u, err
	}
	err = json.Unmarshal(b[echoHeader:], &u)
	return u, err
}

// flush writes the queued frames, all of them in one write.
func (c *echoClient) flush() {
	defer c.wg.Done()
	var buf []byte
	for {
		select {
		case <-c.kick:
		case <-c.done:
			return
		}
		c.mu.Lock()
		buf, c.out = c.out, buf[:0]
		c.mu.Unlock()
		if len(buf) == 0 {
			continue
		}
		if _, err := c.nc.Write(buf); err != nil {
			c.fail(err)
			return
		}
	}
}

// read hands each answer to its caller.
func (c *echoClient) read() {
	defer c.wg.Done()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var frame []byte
	for {
		var err error
		frame, err = readFrame(br, frame[:0])
		if err != nil {
			c.fail(err)
			return
		}
		seq := binary.BigEndian.Uint64(frame[4:])
		var answer []byte // an echo's bytes are not looked at
		if seq == 0 {
			answer = bytes.Clone(frame)
		}
		c.mu.Lock()
		ch := c.pending[seq]
		delete(c.pending, seq)
		c.mu.Unlock()
		if ch != nil {
			ch <- answer
		}
	}
}

func (c *echoClient) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	for seq, ch := range c.pending {
		close(ch)
		delete(c.pending, seq)
	}
}

func (c *echoClient) Close() error {
	c.fail(net.ErrClosed)
	close(c.done)
	err := c.nc.Close()
	c.wg.Wait()
	return err
}
