// Package tls is TLS over gocoro's C++ core: OpenSSL sessions made from libcoro's coro::net::tls::context, layered
// over net/tcp connections (tied to a coro.IOScheduler's lifetime, waited for in Go's poller) the way crypto/tls
// layers over a net.Conn: Client and Server wrap any *tcp.Conn; Dial and Listen are net/tcp's Dial and Listen
// followed by Client and Server (Dialer and NewListener take a tcp.Dialer or a *tcp.Listener made with options).
//
// Listener implements net.Listener and Conn implements net.Conn (deadlines included), so net/http, bufio and
// anything written against the standard interfaces runs unchanged; they interoperate with Go's crypto/tls and
// any other TLS 1.2/1.3 peer:
//
//	s, _ := coro.NewIOScheduler(coro.IOSchedulerOptions{})
//	server, _ := tls.NewContext(tls.Config{CertFile: "cert.pem", KeyFile: "key.pem"})
//	ln, _ := tls.Listen(ctx, s, "127.0.0.1:8443", server)
//	go http.Serve(ln, handler)
//
//	client, _ := tls.NewContext(tls.Config{CAFile: "ca.pem"}) // or Verify: tls.VerifyNone
//	c, _ := tls.Dial(ctx, s, "localhost:8443", client)        // handshake included
//
//	conn, _ := tcp.Dial(ctx, s, "127.0.0.1:8443")             // or a connection already in use (STARTTLS)
//	c, _ = tls.Client(conn, client, "localhost")              // handshake on first use
//
// Handshakes: Dial completes it (bounded by its ctx). Accept does not: like crypto/tls, an accepted Conn runs the
// server handshake on its first Read or Write, or explicitly through HandshakeContext, so one slow or hostile
// client never holds up Accept. A failed handshake is final and reported by every later call.
//
// Records: after a TLS 1.3 handshake with an AES-GCM suite (what this package's contexts prefer and what Go's
// crypto/tls negotiates), OpenSSL hands over the traffic secrets and the records are protected in Go, as crypto/tls
// does it (AES-GCM from crypto/cipher, KeyUpdate both ways, alerts): OpenSSL's per-record cost (3.4–3.9 µs per
// small echo, its provider layers) is what made this package slower than crypto/tls. TLS 1.2 and ChaCha20 sessions
// stay with OpenSSL throughout. As in crypto/tls, a Write that failed (a deadline included) on a connection whose
// records Go protects leaves the connection unwritable.
//
// Threads: OpenSSL runs on the goroutine that calls Read, Write or the handshake (one non-blocking cgo call per
// SSL_read/SSL_write/SSL_do_handshake, under a per-connection lock); only when OpenSSL wants the
// socket readable or writable does the goroutine wait, in Go's runtime poller as net/tcp's do (a Read's or
// Write's SSL call runs inside the poller's retry callback). Records protected in Go make no cgo call at all. No
// Go code runs on scheduler threads. OpenSSL may want either direction for any call (a Read may have to send a
// TLS 1.3 key-update reply); the package handles that without letting a blocked Read and a blocked Write wait for
// each other (the Go record layer sends a requested key update before its next record instead).
//
// Errors are *net.OpError values naming the operation and the addresses. They wrap a *Error for TLS failures
// (errors.Is(err, ErrHandshake), errors.Is(err, ErrCertificate); OpenSSL's reason text in the message),
// unix.Errno, net.ErrClosed, os.ErrDeadlineExceeded or the context's error. Close every Listener and Conn
// before closing the IOScheduler (closing it first closes their sockets).
//
// Differences from libcoro's tls::client/server: sessions are driven from Go (libcoro's coroutine client is not
// used), a verifying client also checks the server's name like crypto/tls, and accepted connections hand their
// handshake outcome to the caller instead of hiding it.
package tls

/*
#include <stdlib.h>
#include "cshim/net/tls.h"
*/
import "C"

import (
	"context"
	"net"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/internal/netaddr"
	"github.com/gocoro/gocoro/net/internal/netfd"
	"github.com/gocoro/gocoro/net/tcp"
)

// Backlog is the listen(2) backlog used by Listen (net/tcp's).
const Backlog = tcp.Backlog

// Listener accepts TLS connections on an IOScheduler: a net/tcp Listener whose connections are wrapped by Server.
// It implements net.Listener.
type Listener struct {
	ln *tcp.Listener
	tc *Context
}

var _ net.Listener = (*Listener)(nil)

// Listen binds address ("host:port", host an IP literal, "localhost" or empty; port 0 picks a free port) and
// serves TLS with tc, which needs a certificate. Connections wait for readiness on s. ctx only bounds the call.
func Listen(ctx context.Context, s *coro.IOScheduler, address string, tc *Context) (*Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	if err := checkServerContext(tc); err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	ln, err := tcp.Listen(ctx, s, address)
	if err != nil {
		return nil, err
	}
	return &Listener{ln: ln, tc: tc}, nil
}

// NewListener serves TLS with tc (which needs a certificate) on the connections of ln, which may have been made
// with tcp.ListenConfig's options, as crypto/tls.NewListener does over a net.Listener. Closing the returned
// Listener closes ln.
func NewListener(ln *tcp.Listener, tc *Context) (*Listener, error) {
	if ln == nil {
		return nil, newOpError("listen", nil, nil, argerr.New("nil *tcp.Listener"))
	}
	if err := checkServerContext(tc); err != nil {
		return nil, newOpError("listen", nil, ln.Addr(), err)
	}
	return &Listener{ln: ln, tc: tc}, nil
}

func checkServerContext(tc *Context) error {
	switch {
	case tc == nil:
		return argerr.New("nil *tls.Context")
	case tc.c == nil:
		return errZeroContext
	case !tc.hasCert:
		return &configError{"a server context needs a certificate and key"}
	}
	return nil
}

// Addr returns the address the listener is bound to (with the actual port).
func (l *Listener) Addr() net.Addr { return l.tcp().Addr() }

// Accept waits for the next connection (net.Listener). The handshake runs on the Conn's first use.
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptContext(context.Background()) }

// AcceptTLS is Accept returning the concrete type.
func (l *Listener) AcceptTLS() (*Conn, error) { return l.accept(context.Background()) }

// AcceptContext is Accept that gives up when ctx ends (the error wraps ctx.Err()).
func (l *Listener) AcceptContext(ctx context.Context) (net.Conn, error) {
	c, err := l.accept(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (l *Listener) accept(ctx context.Context) (*Conn, error) {
	conn, err := l.tcp().AcceptTCPContext(ctx)
	if err != nil {
		return nil, err
	}
	c, err := layer(conn, l.tc, true, "")
	if err != nil {
		conn.Close()
		return nil, newOpError("accept", nil, l.Addr(), err)
	}
	return c, nil
}

// SetDeadline bounds pending and future Accept calls; the zero time means no deadline.
func (l *Listener) SetDeadline(t time.Time) error { return l.tcp().SetDeadline(t) }

// Close stops listening. Goroutines blocked in Accept return net.ErrClosed. Accepted connections stay open. A
// second Close returns an error wrapping net.ErrClosed.
func (l *Listener) Close() error { return l.tcp().Close() }

// tcp is the listening socket, or for a zero Listener (not made by this package) a zero one, whose methods fail
// with net.ErrClosed instead of crashing.
func (l *Listener) tcp() *tcp.Listener {
	if l.ln == nil {
		return &tcp.Listener{}
	}
	return l.ln
}

// attach makes a session of tc on the connected socket f.
func attach(f *netfd.FD, tc *Context, server bool, name string) (*Conn, error) {
	c := &Conn{fd: f, server: server, serverName: name, hs: make(chan struct{}, 1)}
	var cname *C.char
	if name != "" {
		cname = C.CString(name)
		defer C.free(unsafe.Pointer(cname))
	}
	srv := C.int(0)
	if server {
		srv = 1
	}
	var msg [256]C.char
	rc := C.gocoro_tls_conn_new(tc.c, C.int(f.Sysfd), srv, cname, &c.ssl, &msg[0], C.size_t(len(msg)))
	runtime.KeepAlive(tc)
	if rc != 0 {
		if unix.Errno(-rc) == unix.EINVAL {
			return nil, &configError{C.GoString(&msg[0])}
		}
		return nil, unix.Errno(-rc)
	}
	return c, nil
}

// Client layers a TLS client session of tc over conn, as crypto/tls.Client does over a net.Conn: the handshake
// runs on the first Read or Write (or HandshakeContext), checking the server's certificate against serverName
// (tc's ServerName if set) when tc verifies peers. The Conn takes conn over: closing it closes conn, and conn must
// not be used directly any more. Errors: an argument error, or conn already closed (net.ErrClosed).
func Client(conn *tcp.Conn, tc *Context, serverName string) (*Conn, error) {
	if tc != nil && tc.serverName != "" {
		serverName = tc.serverName
	}
	c, err := layer(conn, tc, false, serverName)
	if err != nil {
		return nil, newOpError("client", addrOf(conn, false), addrOf(conn, true), err)
	}
	return c, nil
}

// Server is Client for the server side: tc needs a certificate; the handshake runs on first use.
func Server(conn *tcp.Conn, tc *Context) (*Conn, error) {
	c, err := layer(conn, tc, true, "")
	if err != nil {
		return nil, newOpError("server", addrOf(conn, false), addrOf(conn, true), err)
	}
	return c, nil
}

func addrOf(conn *tcp.Conn, remote bool) net.Addr {
	switch {
	case conn == nil:
		return nil
	case remote:
		return conn.RemoteAddr()
	}
	return conn.LocalAddr()
}

// layer makes a session of tc over conn (see Client).
func layer(conn *tcp.Conn, tc *Context, server bool, name string) (*Conn, error) {
	switch {
	case conn == nil:
		return nil, argerr.New("nil *tcp.Conn")
	case tc == nil:
		return nil, argerr.New("nil *tls.Context")
	case tc.c == nil:
		return nil, errZeroContext
	case server && !tc.hasCert:
		return nil, &configError{"a server context needs a certificate and key"}
	}
	f := netfd.Or(netfd.ConnFD(conn))
	if f.Closed() {
		return nil, net.ErrClosed
	}
	return attach(f, tc, server, name)
}

// Dial connects to address ("host:port" with an IP literal, "localhost" or an empty host for loopback) and
// completes the TLS handshake with tc; the connection waits for readiness on s. ctx bounds the whole dial: connect
// and handshake. The server's certificate is checked against tc's ServerName, else the address's host, when tc
// verifies peers.
func Dial(ctx context.Context, s *coro.IOScheduler, address string, tc *Context) (*Conn, error) {
	return dial(ctx, nil, s, address, tc)
}

// Dialer dials TLS connections with a tcp.Dialer's options, as crypto/tls.Dialer does with a net.Dialer. The zero
// Dialer fails: it has no Context.
type Dialer struct {
	NetDialer *tcp.Dialer // nil: the zero tcp.Dialer (what Dial uses)
	Context   *Context
}

// Dial is the package-level Dial with d's options; the NetDialer's Timeout and Deadline bound the whole dial,
// handshake included, as with crypto/tls.Dialer.
func (d *Dialer) Dial(ctx context.Context, s *coro.IOScheduler, address string) (*Conn, error) {
	return dial(ctx, d.NetDialer, s, address, d.Context)
}

func dial(ctx context.Context, nd *tcp.Dialer, s *coro.IOScheduler, address string, tc *Context) (*Conn, error) {
	if tc == nil {
		return nil, newOpError("dial", nil, nil, argerr.New("nil *tls.Context"))
	}
	if tc.c == nil {
		return nil, newOpError("dial", nil, nil, errZeroContext)
	}
	_, _, name, err := netaddr.Split(address, true)
	if err != nil {
		return nil, newOpError("dial", nil, nil, err)
	}
	if tc.serverName != "" {
		name = tc.serverName
	}
	if nd == nil {
		nd = &tcp.Dialer{}
	}
	if deadline := netfd.DialDeadline(nd.Timeout, nd.Deadline); !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	conn, err := nd.Dial(ctx, s, address)
	if err != nil {
		return nil, err
	}
	c, err := layer(conn, tc, false, name)
	if err != nil {
		conn.Close()
		return nil, newOpError("dial", conn.LocalAddr(), conn.RemoteAddr(), err)
	}
	if err := c.handshake(ctx); err != nil {
		c.Close()
		return nil, newOpError("dial", conn.LocalAddr(), conn.RemoteAddr(), err)
	}
	return c, nil
}
