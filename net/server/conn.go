package server

/*
#include <errno.h>
#include "cshim/net/server.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Why connections end (OnClose's err) and why calls on them fail. Test with errors.Is.
var (
	// ErrClosed: the connection has closed (AsyncWrite, Wake or Close after the end).
	ErrClosed = errors.New("server: connection closed")
	// ErrIdleTimeout: no input for Options.IdleTimeout. Also errors.Is os.ErrDeadlineExceeded.
	ErrIdleTimeout = fmt.Errorf("server: idle timeout: %w", os.ErrDeadlineExceeded)
	// ErrReadTimeout: an incomplete message sat unconsumed for Options.ReadTimeout. Also os.ErrDeadlineExceeded.
	ErrReadTimeout = fmt.Errorf("server: read timeout: %w", os.ErrDeadlineExceeded)
	// ErrWriteTimeout: queued output made no progress for Options.WriteTimeout. Also os.ErrDeadlineExceeded.
	ErrWriteTimeout = fmt.Errorf("server: write timeout: %w", os.ErrDeadlineExceeded)
	// ErrInputTooLarge: more than Options.MaxInput bytes of unconsumed input.
	ErrInputTooLarge = errors.New("server: unconsumed input above Options.MaxInput")
	// ErrServerClosed: the server stopped (Close, Shutdown, ctx, the scheduler's Close).
	ErrServerClosed = errors.New("server: server stopped")
	// ErrCallback: a callback failed or panicked (the cause went to Options.OnError).
	ErrCallback = errors.New("server: callback failed")
	// ErrTooManyConns (reported to Options.OnError): Options.MaxConns were open, a new one was closed at once.
	ErrTooManyConns = errors.New("server: too many connections (Options.MaxConns)")
	// ErrOutputFull: AsyncWrite would queue more than Options.MaxOutput bytes (the peer does not read).
	ErrOutputFull = errors.New("server: output queue full (Options.MaxOutput)")
)

var errNotInCall = errors.New("server: Conn.Write used outside a callback for this connection")

// Conn is one connection served by Go callbacks (Events). Write, WriteString, Writev and AddRequests may only be
// used inside a callback for this connection, and Value only from the callbacks (they run on the loop thread
// and are not synchronized). AsyncWrite, AsyncWritev, Wake, Close, OutboundBuffered, LocalAddr, RemoteAddr and
// ID are safe from any goroutine, also after the connection ended (they then report ErrClosed).
type Conn struct {
	// Value is free for the handler's per-connection state (nil until set).
	Value any

	g        *goServer
	native   *C.gocoro_server_conn // freed after close: used only under mu while !closed (or by the loop)
	msg      *C.gocoro_server_msg  // set during a callback
	id       uint64
	requests uint64

	mu     sync.Mutex
	closed bool
	laddr  net.Addr
	raddr  net.Addr
}

// ID is unique among the server's connections (from 1).
func (c *Conn) ID() uint64 { return c.id }

// Write queues p for sending after the callback returns (it never blocks; inside a callback it fails only when
// memory runs out).
func (c *Conn) Write(p []byte) (int, error) {
	m := c.msg
	if m == nil {
		return 0, errNotInCall
	}
	if uintptr(len(p)) > uintptr(m.out_cap-m.out_len) && C.gocoro_server_msg_reserve(m, C.size_t(len(p))) != 0 {
		return 0, unix.ENOMEM
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(m.out)), int(m.out_cap))[m.out_len:], p)
	m.out_len += C.size_t(len(p))
	return len(p), nil
}

// WriteString is Write for a string (no conversion copy).
func (c *Conn) WriteString(s string) (int, error) {
	return c.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Writev queues every buffer in order, as one Write of their concatenation.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		n, err := c.Write(b)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// AddRequests adds n to the server's request counter (Stats.Requests), e.g. one per message answered. Callbacks only.
func (c *Conn) AddRequests(n int) {
	if n > 0 {
		c.requests += uint64(n)
	}
}

// AsyncWrite queues a copy of p for sending by the loop, after everything queued before, from any goroutine. It
// returns ErrClosed once the connection has ended (or Close was called) and ErrOutputFull when more than
// Options.MaxOutput bytes would be queued (the peer does not read: back-pressure). It never blocks on the peer.
func (c *Conn) AsyncWrite(p []byte) error {
	return c.AsyncWritev([][]byte{p})
}

// AsyncWritev is AsyncWrite of the buffers' concatenation (all queued, or none on error).
func (c *Conn) AsyncWritev(bufs [][]byte) error {
	var one []byte
	switch len(bufs) {
	case 0:
		return nil
	case 1:
		one = bufs[0]
	default:
		for _, b := range bufs {
			one = append(one, b...)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	var p unsafe.Pointer
	if len(one) > 0 {
		p = unsafe.Pointer(&one[0])
	}
	switch rc := C.gocoro_server_conn_async_write(c.native, p, C.size_t(len(one))); {
	case rc == -C.ENOBUFS:
		return ErrOutputFull
	case rc == -C.EPIPE:
		return ErrClosed
	case rc != 0:
		return unix.Errno(-rc)
	}
	return nil
}

// Wake makes the loop call OnData for this connection soon, with whatever input is buffered (maybe none), from
// any goroutine: the way to hand a result computed elsewhere to the connection's callback.
func (c *Conn) Wake() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	C.gocoro_server_conn_wake(c.native)
	return nil
}

// Close closes the connection once the queued output has been sent (bounded by Options.WriteTimeout), from any
// goroutine or callback; nothing more is read. OnClose follows. ErrClosed if it already ended.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	C.gocoro_server_conn_close(c.native)
	return nil
}

// OutboundBuffered is how many bytes are queued for sending and not yet taken by the socket (0 once closed).
func (c *Conn) OutboundBuffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0
	}
	return int(C.gocoro_server_conn_outbound(c.native))
}

// RemoteAddr is the peer's address (nil if unknown, e.g. asked first after the end).
func (c *Conn) RemoteAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.raddr == nil && !c.closed {
		if sa, err := unix.Getpeername(int(C.gocoro_server_conn_fd(c.native))); err == nil {
			c.raddr = sockaddrToTCP(sa)
		}
	}
	return c.raddr
}

// LocalAddr is the connection's local address (nil if unknown).
func (c *Conn) LocalAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.laddr == nil && !c.closed {
		if sa, err := unix.Getsockname(int(C.gocoro_server_conn_fd(c.native))); err == nil {
			c.laddr = sockaddrToTCP(sa)
		}
	}
	return c.laddr
}

func sockaddrToTCP(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}
