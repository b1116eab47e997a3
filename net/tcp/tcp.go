// Package tcp is TCP sockets created through gocoro's C++ shim (addresses handled by coro::net::ip_address) and
// tied to a coro.IOScheduler's lifetime, with a Go data path.
//
// Listener implements net.Listener and Conn implements net.Conn (deadlines included), so net/http, bufio and
// anything else written against the standard interfaces runs unchanged on the libcoro event loop:
//
//	s, _ := coro.NewIOScheduler(coro.IOSchedulerOptions{})
//	ln, _ := tcp.Listen(ctx, s, "127.0.0.1:8080")
//	go http.Serve(ln, handler)
//
// Read and Write first try the non-blocking system call (made from Go, no allocation); only when the socket is
// not ready does the goroutine wait, in Go's runtime poller (the one Go's net uses), not on the IOScheduler's
// epoll loop: a wait then costs what it costs in Go's net, instead of a native poll whose completion crosses
// the core's event thread and completion queue (about 3x slower per message when measured, issue 12). Dial,
// Listen and Accept go through the shim; the IOScheduler owns the sockets' lifetime (closing it closes them).
// Errors are *net.OpError values that name the operation and the addresses and wrap a unix.Errno (=
// syscall.Errno: errors.Is(err, unix.ECONNREFUSED)), net.ErrClosed, os.ErrDeadlineExceeded or the context's
// error. Close every Listener and Conn before closing the IOScheduler. Conn also has *net.TCPConn's socket methods
// (SetKeepAlive, SetLinger, SyscallConn, ...); Dialer and ListenConfig have net.Dialer's and net.ListenConfig's
// options (timeouts, local address, keep-alive, Control hooks).
package tcp

/*
#include "cshim/net/tcp.h"
*/
import "C"

import (
	"context"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/netfd"
)

var errEOF = io.EOF

// Backlog is the listen(2) backlog used by Listen.
const Backlog = 1024

func newOpError(op string, src, dst net.Addr, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: src, Addr: dst, Err: err}
}

// Listener is a listening TCP socket on an IOScheduler. It implements net.Listener.
type Listener struct {
	fd     *netfd.FD
	peer   acceptedPeer
	accept func(fd int) int64 // peer.accept, bound once
	// localIP is the address every accepted connection has locally when the listener is bound to one (nil for a
	// wildcard address: then each connection's is read with getsockname).
	localIP net.IP
	// The ListenConfig's keep-alive settings, applied to every accepted connection.
	keepAlive       time.Duration
	keepAliveConfig net.KeepAliveConfig
}

var _ net.Listener = (*Listener)(nil)

// Listen binds address ("host:port", host an IP literal, "localhost" or empty; port 0 picks a free port) and
// listens on it; accepted connections wait for readiness on s. ctx only bounds the call itself. Accepted
// connections have keep-alive on (15 s), as with Go's net.Listen; ListenConfig sets other options.
func Listen(ctx context.Context, s *coro.IOScheduler, address string) (*Listener, error) {
	var lc ListenConfig
	return lc.Listen(ctx, s, address)
}

// Addr returns the address the listener is bound to (with the actual port).
func (l *Listener) Addr() net.Addr { return l.file().Laddr }

// Accept waits for the next connection (net.Listener).
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptContext(context.Background()) }

// AcceptTCP is Accept returning the concrete type.
func (l *Listener) AcceptTCP() (*Conn, error) { return l.acceptContext(context.Background()) }

// AcceptTCPContext is AcceptTCP that gives up when ctx ends (the error wraps ctx.Err()).
func (l *Listener) AcceptTCPContext(ctx context.Context) (*Conn, error) { return l.acceptContext(ctx) }

// AcceptContext is Accept that gives up when ctx ends (the error wraps ctx.Err()).
func (l *Listener) AcceptContext(ctx context.Context) (net.Conn, error) {
	c, err := l.acceptContext(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (l *Listener) acceptContext(ctx context.Context) (*Conn, error) {
	cfd, err := l.file().Accept(ctx, l.accept)
	if err == nil {
		var laddr *net.TCPAddr
		if l.localIP != nil {
			laddr = &net.TCPAddr{IP: l.localIP, Port: l.file().Laddr.(*net.TCPAddr).Port}
		}
		var c *Conn
		if c, err = newConn(l.file().Sched, cfd, laddr, l.peer.addr()); err == nil {
			c.setKeepAliveDefault(l.keepAlive, l.keepAliveConfig)
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

// Close stops listening. Goroutines blocked in Accept return net.ErrClosed; the descriptor is closed once they
// have all left. A second Close returns an error wrapping net.ErrClosed.
func (l *Listener) Close() error {
	if !l.file().Close() {
		return newOpError("close", nil, l.file().Laddr, net.ErrClosed)
	}
	return nil
}

// Conn is a connected TCP socket on an IOScheduler. It implements net.Conn. Reads may run concurrently with
// writes; concurrent reads (writes) are serialised.
type Conn struct {
	fd *netfd.FD
}

var _ net.Conn = (*Conn)(nil)

// newConn wraps a connected socket; an address not given (nil) is read from the socket.
func newConn(s *coro.IOScheduler, fd int, laddr, raddr *net.TCPAddr) (*Conn, error) {
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, err
	}
	c := &Conn{fd: f}
	c.setAddrs(laddr, raddr)
	return c, nil
}

// setAddrs records the connection's addresses (before it is shared), reading those not given (nil) from the socket.
func (c *Conn) setAddrs(laddr, raddr *net.TCPAddr) {
	if laddr == nil {
		laddr = sockAddr(c.fd.Sysfd, false)
	}
	if raddr == nil {
		raddr = sockAddr(c.fd.Sysfd, true)
	}
	// A nil *net.TCPAddr would make a non-nil net.Addr.
	if laddr != nil {
		c.fd.Laddr = laddr
	}
	if raddr != nil {
		c.fd.Raddr = raddr
	}
}

// Dial connects to address ("host:port" with an IP literal, "localhost" or an empty host for loopback); the
// connection waits for readiness on s. Cancelling ctx (or its deadline) aborts the connect. The connection has
// keep-alive on (15 s), as with Go's net.Dial; Dialer sets other options.
func Dial(ctx context.Context, s *coro.IOScheduler, address string) (*Conn, error) {
	var d Dialer
	return d.Dial(ctx, s, address)
}

// finishConnect waits for the connect in progress to end: getpeername tells a made connection (and gives the peer's
// address), SO_ERROR a failed one; neither means it is still in progress, and the wait for writability that
// follows ends when it has finished, however early that was (the poller's readiness was reset before the check).
// No poll(2): one system call more than Go's net, which can wait before checking.
func (c *Conn) finishConnect(ctx context.Context) (*net.TCPAddr, error) {
	f := c.file()
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return nil, err
	}
	defer f.Unlock(netfd.Write)
	var peer *net.TCPAddr
	_, err := f.Retry(ctx, netfd.Write, func(fd int) int64 {
		if peer = sockAddr(fd, true); peer != nil {
			return 0
		}
		switch e := C.gocoro_tcp_connect_result(C.int(fd)); unix.Errno(-e) {
		case 0, unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return -int64(unix.EAGAIN)
		default:
			return int64(e)
		}
	})
	if e, ok := err.(unix.Errno); ok {
		return nil, os.NewSyscallError("connect", e)
	}
	return peer, err
}

// Read reads into b (net.Conn). It returns io.EOF when the peer has closed its side.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := read(context.Background(), c.file(), b)
	if err != nil {
		return n, newOpError("read", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// ReadContext is Read that gives up when ctx ends.
func (c *Conn) ReadContext(ctx context.Context, b []byte) (int, error) {
	n, err := read(ctx, c.file(), b)
	if err != nil {
		return n, newOpError("read", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// Write writes all of b, or returns how much was written and why it stopped (net.Conn).
func (c *Conn) Write(b []byte) (int, error) {
	n, err := write(context.Background(), c.file(), b)
	if err != nil {
		return n, newOpError("write", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// WriteContext is Write that gives up when ctx ends.
func (c *Conn) WriteContext(ctx context.Context, b []byte) (int, error) {
	n, err := write(ctx, c.file(), b)
	if err != nil {
		return n, newOpError("write", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// Close closes the connection. Goroutines blocked in Read or Write return errors wrapping net.ErrClosed; the
// descriptor is closed once every one of them has left. A second Close returns an
// error wrapping net.ErrClosed.
func (c *Conn) Close() error {
	if !c.file().Close() {
		return newOpError("close", c.file().Laddr, c.file().Raddr, net.ErrClosed)
	}
	return nil
}

// CloseWrite shuts down the sending side (the peer reads io.EOF).
func (c *Conn) CloseWrite() error {
	if err := c.file().Shutdown(unix.SHUT_WR); err != nil {
		return newOpError("close", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

// LocalAddr returns the local address (*net.TCPAddr).
func (c *Conn) LocalAddr() net.Addr { return c.file().Laddr }

// RemoteAddr returns the peer's address (*net.TCPAddr).
func (c *Conn) RemoteAddr() net.Addr { return c.file().Raddr }

// SetDeadline sets the read and write deadlines (net.Conn).
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline bounds pending and future Reads: once t has passed they fail with an error for which
// os.IsTimeout is true (errors.Is(err, os.ErrDeadlineExceeded)). The zero time means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.file().SetDeadline(netfd.Read, t); err != nil {
		return newOpError("set", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

// SetWriteDeadline is SetReadDeadline for Writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.file().SetDeadline(netfd.Write, t); err != nil {
		return newOpError("set", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

func init() {
	netfd.ConnFD = func(c net.Conn) *netfd.FD {
		if tc, ok := c.(*Conn); ok && tc != nil {
			return tc.fd
		}
		return nil
	}
}

// file is the socket, or for a zero Conn (not made by this package) a closed one: its methods then fail with
// net.ErrClosed instead of crashing.
func (c *Conn) file() *netfd.FD { return netfd.Or(c.fd) }

// file is the socket, or for a zero Listener (not made by this package) a closed one: its methods then fail with
// net.ErrClosed instead of crashing.
func (l *Listener) file() *netfd.FD { return netfd.Or(l.fd) }
