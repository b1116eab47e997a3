// Package tls is TLS over gocoro's C++ core: OpenSSL sessions made from libcoro's coro::net::tls::context, on
// non-blocking TCP sockets made like net/tcp's (tied to a coro.IOScheduler's lifetime, waited for in Go's poller).
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
// Handshakes: Dial completes it (bounded by its ctx). Accept does not: like crypto/tls, an accepted Conn runs the
// server handshake on its first Read or Write, or explicitly through HandshakeContext, so one slow or hostile
// client never holds up Accept. A failed handshake is final and reported by every later call.
//
// Threads: OpenSSL runs on the goroutine that calls Read, Write or the handshake (one non-blocking cgo call per
// SSL_read/SSL_write/SSL_do_handshake, under a per-connection lock); only when OpenSSL wants the
// socket readable or writable does the goroutine wait, in Go's runtime poller as net/tcp's do (a Read's or
// Write's SSL call runs inside the poller's retry callback). No Go code runs on scheduler threads. OpenSSL
// may want either direction for any call (a Read may have to send a TLS 1.3 key-update reply); the package
// handles that without letting a blocked Read and a blocked Write wait for each other.
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
#include "cshim/net/tcp.h"
#include "cshim/net/tls.h"
*/
import "C"

import (
	"context"
	"net"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/internal/netaddr"
	"github.com/gocoro/gocoro/net/internal/netfd"
)

// Backlog is the listen(2) backlog used by Listen.
const Backlog = 1024

func sockAddr(fd int, peer bool) *net.TCPAddr {
	var buf [64]C.char
	var port C.uint16_t
	p := C.int(0)
	if peer {
		p = 1
	}
	if C.gocoro_tcp_addr(C.int(fd), p, &buf[0], C.size_t(len(buf)), &port) != 0 {
		return nil
	}
	return &net.TCPAddr{IP: net.ParseIP(C.GoString(&buf[0])), Port: int(port)}
}

// Listener accepts TLS connections on an IOScheduler. It implements net.Listener.
type Listener struct {
	fd *netfd.FD
	tc *Context
}

var _ net.Listener = (*Listener)(nil)

// Listen binds address ("host:port", host an IP literal, "localhost" or empty; port 0 picks a free port) and
// serves TLS with tc, which needs a certificate. Connections wait for readiness on s. ctx only bounds the call.
func Listen(ctx context.Context, s *coro.IOScheduler, address string, tc *Context) (*Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	if s == nil {
		return nil, newOpError("listen", nil, nil, argerr.New("nil *coro.IOScheduler"))
	}
	if tc == nil {
		return nil, newOpError("listen", nil, nil, argerr.New("nil *tls.Context"))
	}
	if tc.c == nil {
		return nil, newOpError("listen", nil, nil, errZeroContext)
	}
	if !tc.hasCert {
		return nil, newOpError("listen", nil, nil, &configError{"a server context needs a certificate and key"})
	}
	host, port, _, err := netaddr.Split(address, false)
	if err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	laddr := &net.TCPAddr{IP: net.ParseIP(host), Port: int(port)}
	chost := C.CString(host)
	fd := int(C.gocoro_tcp_listen(chost, C.uint16_t(port), Backlog))
	C.free(unsafe.Pointer(chost))
	if fd < 0 {
		return nil, newOpError("listen", nil, laddr, os.NewSyscallError("listen", unix.Errno(-fd)))
	}
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, newOpError("listen", nil, laddr, err)
	}
	if a := sockAddr(fd, false); a != nil {
		f.Laddr = a
	} else {
		f.Laddr = laddr
	}
	return &Listener{fd: f, tc: tc}, nil
}

// Addr returns the address the listener is bound to (with the actual port).
func (l *Listener) Addr() net.Addr { return l.file().Laddr }

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
	cfd, err := l.file().Accept(ctx, func(fd int) int64 { return int64(C.gocoro_tcp_accept(C.int(fd))) })
	if err == nil {
		var c *Conn
		if c, err = newConn(l.file().Sched, cfd, l.tc, true, ""); err == nil {
			return c, nil
		}
	}
	return nil, newOpError("accept", nil, l.file().Laddr, err)
}

// SetDeadline bounds pending and future Accept calls; the zero time means no deadline.
func (l *Listener) SetDeadline(t time.Time) error {
	if err := l.file().SetDeadline(netfd.Read, t); err != nil {
		return newOpError("set", nil, l.file().Laddr, err)
	}
	return nil
}

// Close stops listening. Goroutines blocked in Accept return net.ErrClosed. Accepted connections stay open. A
// second Close returns an error wrapping net.ErrClosed.
func (l *Listener) Close() error {
	if !l.file().Close() {
		return newOpError("close", nil, l.file().Laddr, net.ErrClosed)
	}
	return nil
}

// newConn wraps the connected socket fd (taking ownership) in a session of tc.
func newConn(s *coro.IOScheduler, fd int, tc *Context, server bool, name string) (*Conn, error) {
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, err
	}
	f.Laddr, f.Raddr = sockAddr(fd, false), sockAddr(fd, true)
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
	rc := C.gocoro_tls_conn_new(tc.c, C.int(fd), srv, cname, &c.ssl, &msg[0], C.size_t(len(msg)))
	runtime.KeepAlive(tc)
	if rc != 0 {
		f.Close()
		if unix.Errno(-rc) == unix.EINVAL {
			return nil, &configError{C.GoString(&msg[0])}
		}
		return nil, unix.Errno(-rc)
	}
	return c, nil
}

// Dial connects to address ("host:port" with an IP literal, "localhost" or an empty host for loopback) and
// completes the TLS handshake with tc; the connection waits for readiness on s. ctx bounds the whole dial: connect
// and handshake. The server's certificate is checked against tc's ServerName, else the address's host, when tc
// verifies peers.
func Dial(ctx context.Context, s *coro.IOScheduler, address string, tc *Context) (*Conn, error) {
	if s == nil {
		return nil, newOpError("dial", nil, nil, argerr.New("nil *coro.IOScheduler"))
	}
	if tc == nil {
		return nil, newOpError("dial", nil, nil, argerr.New("nil *tls.Context"))
	}
	if tc.c == nil {
		return nil, newOpError("dial", nil, nil, errZeroContext)
	}
	host, port, name, err := netaddr.Split(address, true)
	if err != nil {
		return nil, newOpError("dial", nil, nil, err)
	}
	if tc.serverName != "" {
		name = tc.serverName
	}
	raddr := &net.TCPAddr{IP: net.ParseIP(host), Port: int(port)}
	if err := ctx.Err(); err != nil {
		return nil, newOpError("dial", nil, raddr, err)
	}
	chost := C.CString(host)
	var inProgress C.int
	fd := int(C.gocoro_tcp_connect(chost, C.uint16_t(port), &inProgress))
	C.free(unsafe.Pointer(chost))
	if fd < 0 {
		return nil, newOpError("dial", nil, raddr, os.NewSyscallError("connect", unix.Errno(-fd)))
	}
	c, err := newConn(s, fd, tc, false, name)
	if err != nil {
		return nil, newOpError("dial", nil, raddr, err)
	}
	if inProgress != 0 {
		if err := c.finishConnect(ctx); err != nil {
			c.Close()
			return nil, newOpError("dial", nil, raddr, err)
		}
		c.fd.Laddr, c.fd.Raddr = sockAddr(fd, false), sockAddr(fd, true)
	}
	if c.fd.Raddr == nil {
		c.fd.Raddr = raddr
	}
	if err := c.handshake(ctx); err != nil {
		c.Close()
		return nil, newOpError("dial", c.fd.Laddr, raddr, err)
	}
	return c, nil
}

func (c *Conn) finishConnect(ctx context.Context) error {
	f := c.fd
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return err
	}
	defer f.Unlock(netfd.Write)
	// Writable (or failed) means the connect has finished; SO_ERROR says how.
	if _, err := f.Wait(ctx, netfd.Write); err != nil {
		return err
	}
	if e := C.gocoro_tcp_connect_result(C.int(f.Sysfd)); e != 0 {
		return os.NewSyscallError("connect", unix.Errno(-e))
	}
	return nil
}

// file is the socket, or for a zero Listener (not made by this package) a closed one: its methods then fail with
// net.ErrClosed instead of crashing.
func (l *Listener) file() *netfd.FD { return netfd.Or(l.fd) }
