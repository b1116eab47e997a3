package server

/*
#include "cshim/net/server.h"

extern uintptr_t gocoroServerOpen(uintptr_t host, gocoro_server_conn* conn, uint64_t id, gocoro_server_msg* msg);
extern int64_t gocoroServerData(uintptr_t h, gocoro_server_msg* msg, int32_t event);
extern void gocoroServerClose(uintptr_t h, int32_t reason, int32_t err);
extern void gocoroServerReport(uintptr_t host, int32_t kind, int32_t err, char* text, int32_t fd);
extern int64_t gocoroServerTick(uintptr_t host);
*/
import "C"

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/handle"
)

func init() {
	C.gocoro_server_install_go_callbacks(C.gocoro_server_open_fn(C.gocoroServerOpen),
		C.gocoro_server_data_fn(C.gocoroServerData), C.gocoro_server_close_fn(C.gocoroServerClose),
		C.gocoro_server_report_fn(C.gocoroServerReport), C.gocoro_server_tick_fn(C.gocoroServerTick))
}

// MessageFunc handles the input of one connection. in holds every byte received on c and not consumed yet,
// oldest first; it is a view of the C++ loop's buffer (no copy), only valid during the call (copy what must
// outlive it). fn answers with c.Write and returns how many bytes of in it consumed: the rest stays buffered and
// comes again, with more input appended, on the next call (so a message split across reads is simply not
// consumed until it is complete; several pipelined messages may be consumed at once). A non-nil error (or
// c.Close) closes the connection once what fn wrote has been sent; errors other than io.EOF are reported to
// Options.OnError.
//
// fn runs on the scheduler's C++ thread, inside its event loop (see the package doc): it must not block.
type MessageFunc func(c *Conn, in []byte) (consumed int, err error)

// Events are the callbacks of an event-driven server (see Callbacks). Only OnData is required. Unless said
// otherwise a callback runs on the scheduler's C++ thread inside its event loop (see the package doc): it must
// not block, and the calls for one connection never overlap. A panic in a callback is recovered and reported to
// Options.OnError as a *coro.PanicError; a connection callback's panic closes that connection. runtime.Goexit in a
// callback run on the loop (all but OnBoot and OnShutdown; Options.OnError too) ends the process: see the package
// doc, "Threads".
type Events struct {
	// OnBoot runs once the server listens, on the goroutine that called Serve, before Serve returns.
	OnBoot func(s *Server)
	// OnShutdown runs once the server has stopped and every connection has ended (after the last OnClose), on
	// the goroutine that stopped it (Close, Shutdown, ctx, the scheduler's Close).
	OnShutdown func(s *Server)
	// OnOpen runs when a connection is accepted, before its first OnData. It may Write a greeting and set
	// c.Value. An error closes the connection once the greeting has been sent (reported unless io.EOF).
	OnOpen func(c *Conn) error
	// OnData receives the connection's input; see MessageFunc. It also runs after c.Wake, with whatever input
	// is buffered (maybe none).
	OnData MessageFunc
	// OnDrained runs when queued output (what the socket could not take at once) went above Options.HighWater
	// and has all been sent since (back-pressure: the connection is not read from meanwhile). A write the socket
	// takes at once was never queued and brings no OnDrained. It may Write more; an error closes the connection.
	OnDrained func(c *Conn) error
	// OnClose runs once per connection whose OnOpen ran, after its last other callback. err says why: nil for a
	// peer that closed or a Close, ErrIdleTimeout / ErrReadTimeout / ErrWriteTimeout (errors.Is them with
	// os.ErrDeadlineExceeded too), ErrInputTooLarge, ErrServerClosed, ErrCallback (a callback failed or
	// panicked; the cause went to Options.OnError), or a unix.Errno.
	OnClose func(c *Conn, err error)
	// OnTick runs on the loop first right after Serve starts and then again after each returned delay; a
	// negative delay stops the ticker.
	OnTick func() time.Duration
}

// Func serves every connection with fn (Callbacks with only OnData). fn must not be nil (Serve refuses it).
//
// Each read costs one C-to-Go callback on the loop thread and no goroutine hand-off; input and output stay in C
// buffers (the in slice and Write's destination), so a call allocates nothing. Here (as with Callbacks without
// OnOpen and OnClose), unless TLS is on, a connection that has sent nothing yet holds only a small wait on the
// loop (about 0.5 KB with the scheduler's share, nothing in Go), so idle connections are cheap.
func Func(fn MessageFunc) Handler { return Callbacks(Events{OnData: fn}) }

// Callbacks serves every connection with Go callbacks run by the C++ loop. Replies queued with c.Write during
// a callback leave in one send after it returns; output the socket does not take at once stays queued in C++
// (see Options.HighWater for back-pressure). ev.OnData must not be nil (Serve refuses it).
func Callbacks(ev Events) Handler {
	return Handler{table: unsafe.Pointer(C.gocoro_server_go_handler()), ev: &ev}
}

// goServer is what the C++ loop's callbacks find through the server's host handle.
type goServer struct {
	ev  *Events // nil for native handlers (only reports arrive then)
	srv *Server
	// The listening address, for reports: set once Serve knows the port, after the loop may have started
	// calling back (the ticker runs at once).
	addr atomic.Pointer[net.TCPAddr]
	// Server.Dial's waiters for OnOpen of their connection, by dial token.
	dials    sync.Map // uintptr -> chan *Conn
	nextDial atomic.Uintptr
}

// listen is the server's address for reports (nil while Serve has not learnt it yet).
func (g *goServer) listen() net.Addr {
	if a := g.addr.Load(); a != nil {
		return a
	}
	return nil
}

// report hands err to Options.OnError (or the log). It runs on the C++ loop's thread, partly inside the recovery of
// a callback's panic, so a panic of OnError itself must not escape: that would unwind into C++ and end the process.
// It is logged instead, with the error OnError was given.
func (g *goServer) report(err error) {
	if g.srv.onError == nil {
		log.Print("net/server: ", err)
		return
	}
	returned := false
	defer func() {
		if p := recover(); p != nil {
			log.Printf("net/server: Options.OnError panicked: %v (reporting: %v)\n%s", p, err, debug.Stack())
		} else if !returned {
			g.goexitFatal("Options.OnError", fmt.Sprintf("reporting: %v", err))
		}
	}()
	g.srv.onError(err)
	returned = true
}

// goexitFatal ends the process: a callback the loop runs (hook) called runtime.Goexit. Nothing can stop a Goexit
// (recover returns nil, and Go resumes it after a recovered panic), and it cannot unwind the C++ frames of the loop
// below the callback: left alone it hangs a loop driven from a goroutine (Listen, ManualThread) and makes the
// runtime abort on a C++ thread, with a message that names neither the callback nor the server. Surviving it would
// take running every callback off the cgo stack (a goroutine hand-off per event), which this server is built to
// avoid. detail says what the callback was serving.
func (g *goServer) goexitFatal(hook, detail string) {
	fmt.Fprintf(os.Stderr, "fatal error: net/server: runtime.Goexit in %s (t.FailNow or require in a handler?) on "+
		"the server at %v (%s): it cannot be survived inside the C++ loop, so the process exits\n\n%s",
		hook, g.listen(), detail, debug.Stack())
	os.Exit(2)
}

// connDetail names c for goexitFatal.
func connDetail(c *Conn) string { return fmt.Sprintf("connection %d from %v", c.id, c.RemoteAddr()) }

func (g *goServer) reportConn(c *Conn, err error) {
	g.report(newOpError("serve", g.listen(), c.RemoteAddr(), fmt.Errorf("connection %d: %w", c.id, err)))
}

// run calls fn (the callback hook), reporting a panic; false if it panicked or failed (reported unless io.EOF). A
// runtime.Goexit in fn ends the process (goexitFatal).
func (g *goServer) run(c *Conn, hook string, fn func() error) (ok bool) {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			g.reportConn(c, &coro.PanicError{Value: p, Stack: debug.Stack()})
			ok = false
		} else if !returned {
			g.goexitFatal(hook, connDetail(c))
		}
	}()
	err := fn()
	returned = true
	if err != nil {
		if err != io.EOF {
			g.reportConn(c, err)
		}
		return false
	}
	return true
}

//export gocoroServerOpen
func gocoroServerOpen(host C.uintptr_t, conn *C.gocoro_server_conn, id C.uint64_t, msg *C.gocoro_server_msg) C.uintptr_t {
	g := handle.Handle(host).Value().(*goServer)
	c := &Conn{g: g, native: conn, id: uint64(id)}
	if g.ev.OnOpen != nil {
		c.msg = msg
		ok := g.run(c, "OnOpen", func() error { return g.ev.OnOpen(c) })
		c.msg = nil
		if !ok {
			C.gocoro_server_conn_close(conn) // after the greeting, if any
		}
	}
	if tok := uintptr(C.gocoro_server_conn_dial_token(conn)); tok != 0 {
		if ch, ok := g.dials.LoadAndDelete(tok); ok {
			ch.(chan *Conn) <- c
		}
	}
	return C.uintptr_t(handle.New(c))
}

//export gocoroServerData
func gocoroServerData(h C.uintptr_t, msg *C.gocoro_server_msg, event C.int32_t) (result C.int64_t) {
	c := handle.Handle(h).Value().(*Conn)
	c.msg = msg
	inOnData := false // stays true if OnData ends by runtime.Goexit
	defer func() {
		if p := recover(); p != nil {
			c.g.reportConn(c, &coro.PanicError{Value: p, Stack: debug.Stack()})
			result = -2
		} else if inOnData {
			c.g.goexitFatal("OnData", connDetail(c))
		}
		msg.requests = C.uint64_t(c.requests)
		c.requests = 0
		c.msg = nil
	}()
	if event == C.GOCORO_EVENT_DRAINED {
		if c.g.ev.OnDrained == nil || c.g.run(c, "OnDrained", func() error { return c.g.ev.OnDrained(c) }) {
			return 0
		}
		return -2
	}
	in := unsafe.Slice((*byte)(unsafe.Pointer(msg.in)), int(msg.in_len))
	inOnData = true
	n, err := c.g.ev.OnData(c, in)
	inOnData = false
	switch {
	case err == io.EOF:
		return -1
	case err != nil:
		c.g.reportConn(c, err)
		return -2
	case n < 0 || n > len(in):
		c.g.reportConn(c, fmt.Errorf("MessageFunc consumed %d of %d bytes", n, len(in)))
		return -2
	}
	return C.int64_t(n)
}

//export gocoroServerClose
func gocoroServerClose(h C.uintptr_t, reason, errno C.int32_t) {
	c := handle.Handle(h).Value().(*Conn)
	c.mu.Lock()
	c.closed = true // from here on the C connection may go: other goroutines' calls now fail
	c.mu.Unlock()
	if c.g.ev.OnClose != nil {
		err := closeReason(reason, errno)
		c.g.run(c, "OnClose", func() error { c.g.ev.OnClose(c, err); return nil })
	}
	handle.Release(handle.Handle(h))
}

func closeReason(reason, errno C.int32_t) error {
	switch reason {
	case C.GOCORO_END_EOF:
		return nil
	case C.GOCORO_END_IDLE_TIMEOUT:
		return ErrIdleTimeout
	case C.GOCORO_END_READ_TIMEOUT:
		return ErrReadTimeout
	case C.GOCORO_END_WRITE_TIMEOUT:
		return ErrWriteTimeout
	case C.GOCORO_END_INPUT_LIMIT:
		return ErrInputTooLarge
	case C.GOCORO_END_STOPPING:
		return ErrServerClosed
	case C.GOCORO_END_HOST_ERROR:
		return ErrCallback
	}
	if errno > 0 {
		return unix.Errno(errno)
	}
	return unix.EIO
}

//export gocoroServerReport
func gocoroServerReport(host C.uintptr_t, kind, errno C.int32_t, text *C.char, fd C.int32_t) {
	g := handle.Handle(host).Value().(*goServer)
	switch kind {
	case C.GOCORO_REPORT_ACCEPT:
		g.report(newOpError("accept", nil, g.listen(), os.NewSyscallError("accept4", unix.Errno(errno))))
	case C.GOCORO_REPORT_HANDSHAKE:
		// As for a connection's errors: Source the listening address, Addr the peer (nil once it reset).
		var peer net.Addr
		if sa, err := unix.Getpeername(int(fd)); err == nil {
			peer = sockaddrToTCP(sa)
		}
		g.report(newOpError("handshake", g.listen(), peer, handshakeError(errno, C.GoString(text))))
	default:
		g.report(newOpError("accept", nil, g.listen(), ErrTooManyConns))
	}
}

//export gocoroServerTick
func gocoroServerTick(host C.uintptr_t) (next C.int64_t) {
	g := handle.Handle(host).Value().(*goServer)
	returned := false
	defer func() {
		if p := recover(); p != nil {
			g.report(newOpError("tick", nil, g.listen(), &coro.PanicError{Value: p, Stack: debug.Stack()}))
			next = -1 // a ticker that panicked once would most likely panic again
		} else if !returned {
			g.goexitFatal("OnTick", "the ticker")
		}
	}()
	next = C.int64_t(g.ev.OnTick())
	returned = true
	return next
}
