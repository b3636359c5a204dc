package websocket

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/transport"
)

// Transport is the Transport of WebSocket, ws or wss, over TCP. Its zero
// value is ready to use: ws on path "/". It holds no state besides its
// Config, so it is safe for concurrent use as long as the Config does not
// change.
type Transport struct {
	Config Config
}

var _ transport.Transport = Transport{}

// maxHeaderBytes caps the head of an upgrade request, for Listen and for
// an Upgrader.
const maxHeaderBytes = 64 << 10

// checkNetwork accepts the TCP networks.
func checkNetwork(network string) error {
	return transport.CheckNetwork(network, "tcp", "tcp4", "tcp6")
}

// Listen announces on the TCP address addr and serves WebSocket upgrades
// on Config.Path with an http.Server of its own (HTTP/1.1 only; with TLS
// when Config.TLS is set). The listener's Accept returns upgraded
// connections: the TLS handshake and the upgrade happen in the server's
// goroutines, bounded by HandshakeTimeout, so a slow client never holds up
// Accept. The upgrade request's header may have at most 64 KiB. Addr is the
// TCP address, which Dial takes. The TCP socket comes from Config.Binder, or
// is a fresh one.
//
// Closing the listener shuts the HTTP server down; the connections already
// accepted keep working until they are closed themselves, so that an rpc
// endpoint can drain them.
func (t Transport) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	s, err := t.Config.resolve()
	if err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if s.TLS != nil {
		if tlsConfig, err = s.serverTLS(); err != nil {
			return nil, err
		}
	}
	var b transport.Binder = transport.Bind{}
	if s.Binder != nil {
		b = s.Binder
	}
	ln, err := b.Listen(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("transport/websocket: %w", err)
	}
	l := &listener{Handler: newHandler(s), addr: ln.Addr(), served: make(chan struct{})}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	l.srv = &http.Server{
		Handler:           servePath(s.Path, l.Handler),
		ReadHeaderTimeout: s.HandshakeTimeout, // also bounds the TLS handshake
		MaxHeaderBytes:    maxHeaderBytes,
		Protocols:         &protocols,
		ErrorLog:          s.errorLog(),
	}
	// An upgrade takes its TCP connection; any other request is answered
	// (404, 426) and its connection closed rather than kept idle.
	l.srv.SetKeepAlivesEnabled(false)
	go l.serve(ln)
	return l, nil
}

// Dial connects to the TCP address addr, as "host:port", and opens a
// WebSocket on ws://addr/Path, or wss:// with Config.TLS. It offers the
// subprotocol "dmicro" and fails with ErrSubprotocol when the server does
// not choose it. The context and HandshakeTimeout bound the connect, the
// TLS handshake and the upgrade, not the life of the connection. No proxy
// is used, whatever the environment says.
func (t Transport) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	s, err := t.Config.resolve()
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "ws", Host: addr, Path: s.Path}
	var tlsConfig *tls.Config
	if s.TLS != nil {
		u.Scheme = "wss"
		tlsConfig = http11(s.TLS)
	}
	// The TCP connection's addresses, which coder/websocket does not give
	// for dialed connections.
	var (
		mu            sync.Mutex
		local, remote net.Addr
	)
	var d net.Dialer
	ht := &http.Transport{
		DialContext: func(ctx context.Context, _, hostport string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, hostport)
			if err == nil {
				mu.Lock()
				local, remote = c.LocalAddr(), c.RemoteAddr()
				mu.Unlock()
			}
			return c, err
		},
		TLSClientConfig:   tlsConfig,
		DisableKeepAlives: true,
	}
	defer ht.CloseIdleConnections()
	hctx, cancel := context.WithTimeout(ctx, s.HandshakeTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(hctx, u.String(), &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: ht},
		HTTPHeader:   s.Header,
		Subprotocols: []string{Subprotocol},
	})
	if err != nil {
		return nil, fmt.Errorf("transport/websocket: dial %s: %w", u.String(), err)
	}
	if ws.Subprotocol() != Subprotocol {
		ws.CloseNow()
		return nil, fmt.Errorf("transport/websocket: dial %s: %w", u.String(), ErrSubprotocol)
	}
	mu.Lock()
	defer mu.Unlock()
	return newConn(ws, s, local, remote, nil), nil
}
