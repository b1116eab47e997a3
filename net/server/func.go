package server

/*
#include "cshim/net/server.h"

extern uintptr_t gocoroServerOpen(uintptr_t host, gocoro_server_conn* conn, uint64_t id);
extern int64_t gocoroServerData(uintptr_t h, gocoro_server_msg* msg);
extern void gocoroServerClose(uintptr_t h);
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"runtime/debug"
	"syscall"
	"unsafe"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/corelink"
)

func init() {
	C.gocoro_server_install_go_callbacks(C.gocoro_server_open_fn(C.gocoroServerOpen),
		C.gocoro_server_data_fn(C.gocoroServerData), C.gocoro_server_close_fn(C.gocoroServerClose))
}

// MessageFunc handles the input of one connection (mode 3). in holds every byte received on c and not consumed
// yet, oldest first; it is only valid during the call (copy what must outlive it). fn answers with c.Write and
// returns how many bytes of in it consumed: the rest stays buffered and comes again, with more input appended,
// on the next call (so a message split across reads is simply not consumed until it is complete; several
// pipelined messages may be consumed at once). A non-nil error (or c.Close) closes the connection once what fn
// wrote has been sent; errors other than io.EOF are reported to Options.OnError.
//
// fn runs on the scheduler's C++ thread, inside its event loop (see the package doc): it must not block.
type MessageFunc func(c *Conn, in []byte) (consumed int, err error)

// Func serves every connection with fn, called from the C++ loop whenever data arrives (mode 3). Replies queued
// with c.Write during a call leave in one send after it returns. A panic in fn is recovered: the connection is
// closed, the server keeps running and the panic goes to Options.OnError as a *coro.PanicError. fn must not be nil
// (Serve refuses it).
//
// Each read costs one C-to-Go callback on the loop thread and no goroutine hand-off; input and output stay in C
// buffers (the in slice and Write's destination), so a call allocates nothing.
func Func(fn MessageFunc) Handler {
	return Handler{table: unsafe.Pointer(C.gocoro_server_go_handler()), fn: fn}
}

type goServer struct {
	fn  MessageFunc
	srv *Server
}

// Conn is one connection served by a MessageFunc. Its methods may only be used during a call of the MessageFunc
// for this connection (they are not safe for concurrent use); Value keeps per-connection state between calls.
type Conn struct {
	// Value is free for the handler's per-connection state (nil on the first call).
	Value any

	g        *goServer
	native   *C.gocoro_server_conn
	msg      *C.gocoro_server_msg
	id       uint64
	requests uint64
	closing  bool
	raddr    net.Addr
}

var errNotInCall = errors.New("server: Conn used outside its MessageFunc call")

// ID is unique among the server's connections (from 1).
func (c *Conn) ID() uint64 { return c.id }

// Write queues p for sending after the call returns (it never blocks and never fails inside a call).
func (c *Conn) Write(p []byte) (int, error) {
	m := c.msg
	if m == nil {
		return 0, errNotInCall
	}
	if uintptr(len(p)) > uintptr(m.out_cap-m.out_len) && C.gocoro_server_msg_reserve(m, C.size_t(len(p))) != 0 {
		return 0, syscall.ENOMEM
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(m.out)), int(m.out_cap))[m.out_len:], p)
	m.out_len += C.size_t(len(p))
	return len(p), nil
}

// WriteString is Write for a string (no conversion copy).
func (c *Conn) WriteString(s string) (int, error) {
	return c.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// AddRequests adds n to the server's request counter (Stats.Requests), e.g. one per message answered.
func (c *Conn) AddRequests(n int) {
	if n > 0 {
		c.requests += uint64(n)
	}
}

// Close closes the connection once the current call has returned and its reply has been sent.
func (c *Conn) Close() { c.closing = true }

// RemoteAddr is the peer's address (nil if unknown).
func (c *Conn) RemoteAddr() net.Addr {
	if c.raddr == nil && c.msg != nil {
		if sa, err := syscall.Getpeername(int(C.gocoro_server_conn_fd(c.native))); err == nil {
			c.raddr = sockaddrToTCP(sa)
		}
	}
	return c.raddr
}

func sockaddrToTCP(sa syscall.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}

// report hands err to Options.OnError (or the log). It runs on the C++ loop's thread, partly inside the recovery of
// a callback's panic, so a panic of OnError itself must not escape: that would unwind into C++ and end the process.
// It is logged instead, with the error OnError was given.
func (g *goServer) report(c *Conn, err error) {
	err = &net.OpError{Op: "serve", Net: "tcp", Source: g.srv.addr, Addr: c.RemoteAddr(),
		Err: fmt.Errorf("connection %d: %w", c.id, err)}
	if g.srv.onError == nil {
		log.Print("net/server: ", err)
		return
	}
	defer func() {
		if p := recover(); p != nil {
			log.Printf("net/server: Options.OnError panicked: %v (reporting: %v)\n%s", p, err, debug.Stack())
		}
	}()
	g.srv.onError(err)
}

//export gocoroServerOpen
func gocoroServerOpen(host C.uintptr_t, conn *C.gocoro_server_conn, id C.uint64_t) C.uintptr_t {
	g := corelink.HandleValue(uintptr(host)).(*goServer)
	return C.uintptr_t(corelink.NewHandle(&Conn{g: g, native: conn, id: uint64(id)}))
}

//export gocoroServerData
func gocoroServerData(h C.uintptr_t, msg *C.gocoro_server_msg) (result C.int64_t) {
	c := corelink.HandleValue(uintptr(h)).(*Conn)
	c.msg = msg
	defer func() {
		if p := recover(); p != nil {
			c.g.report(c, &coro.PanicError{Value: p, Stack: debug.Stack()})
			result = -2
		}
		msg.requests = C.uint64_t(c.requests)
		c.requests = 0
		c.msg = nil
	}()
	in := unsafe.Slice((*byte)(unsafe.Pointer(msg.in)), int(msg.in_len))
	n, err := c.g.fn(c, in)
	switch {
	case err != nil:
		if err != io.EOF {
			c.g.report(c, err)
			return -2
		}
		return -1
	case n < 0 || n > len(in):
		c.g.report(c, fmt.Errorf("MessageFunc consumed %d of %d bytes", n, len(in)))
		return -2
	case c.closing:
		return -1
	}
	return C.int64_t(n)
}

//export gocoroServerClose
func gocoroServerClose(h C.uintptr_t) {
	corelink.ReleaseHandle(uintptr(h))
}
