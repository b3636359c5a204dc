package quic

import (
	"context"

	quicgo "github.com/quic-go/quic-go"
)

// startEarly follows the handshake of a connection dialed with 0-RTT. If
// the handshake has completed already, 0-RTT was not tried and there is
// nothing to do. Otherwise Write records what it writes, and a goroutine
// the connection owns waits for the handshake: if the server accepted the
// 0-RTT data, recording stops; if it rejected it, the stream is dead (its
// Read and Write fail with quic-go's Err0RTTRejected), so the goroutine
// opens a new stream and writes on it the preface and everything recorded,
// before any later Write. The goroutine ends with the handshake, or at once
// when the connection closes.
func (c *Conn) startEarly(qc *quicgo.Conn) {
	select {
	case <-qc.HandshakeComplete():
		return
	default:
	}
	c.recording = true
	c.switched = make(chan struct{})
	go c.watchEarly(qc)
}

// watchEarly is the goroutine of startEarly.
func (c *Conn) watchEarly(qc *quicgo.Conn) {
	defer close(c.switched)
	defer func() {
		c.wmu.Lock()
		c.recording, c.replay = false, nil
		c.wmu.Unlock()
	}()
	select {
	case <-qc.HandshakeComplete():
	case <-c.closing:
		return
	}
	if qc.ConnectionState().Used0RTT || qc.Context().Err() != nil {
		return // accepted, or the handshake failed: nothing to switch to
	}
	// The handshake is complete, so NextConnection does not block.
	next, err := qc.NextConnection(context.Background())
	if err != nil {
		return
	}
	st, err := next.OpenStream()
	if err != nil {
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.publish(st) {
		return
	}
	buf := make([]byte, 0, len(preface)+len(c.replay))
	buf = append(append(buf, preface...), c.replay...)
	st.Write(buf) // an error shows in the next Read or Write
}

// afterSwitch waits for the 0-RTT phase to end after st failed with
// Err0RTTRejected, and returns the stream that replaced st, or nil if none
// did.
func (c *Conn) afterSwitch(st *quicgo.Stream) *quicgo.Stream {
	if c.switched == nil {
		return nil
	}
	select {
	case <-c.switched:
	case <-c.closing:
		return nil
	}
	if next := c.stream.Load(); next != st {
		return next
	}
	return nil
}
