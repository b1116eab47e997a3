// Package server runs TCP servers whose accept/read/write loop runs entirely in C++ coroutines on a
// coro.IOScheduler (libcoro's io_scheduler), started, observed and stopped from Go. Two ways to serve:
//
//   - Native handlers: every connection is served by a C++ coroutine. Built in: Echo and HTTP200 (a
//     fixed-response keep-alive HTTP/1.1 server, like examples/native/http_200_ok_server). Native plugs in a
//     handler the user wrote in C++ against libcoro's API, compiled in the user's own cgo package (C ABI:
//     cshim/net/server.h; C++ helper: cshim/net/server_handler.hpp; example: examples/native_handler).
//   - Go callbacks, event-driven (the model of gnet): Callbacks(Events{...}) calls Go functions from the C++
//     loop: OnOpen when a connection arrives, OnData whenever input arrives (a zero-copy view of everything not
//     consumed yet; the callback says how much it consumed), OnDrained when back-pressured output has been sent,
//     OnClose with the reason the connection ended, OnTick on a timer; OnBoot and OnShutdown frame the server's
//     life. Func(fn) is Callbacks with only OnData. Replies written during a callback (Conn.Write, Writev) leave
//     in one send after it returns; other goroutines hand data to a connection with Conn.AsyncWrite (or ask for
//     an OnData with Conn.Wake, or close it with Conn.Close), safely even if it has closed meanwhile (ErrClosed).
//
// Beyond the event model, Options gives Go-callback servers per-connection idle, read (incomplete message) and
// write (no progress) timeouts, write back-pressure (HighWater: a connection is not read while more output is
// queued; OnDrained when it has gone) with a bound on asynchronous output (MaxOutput), and every server a limit
// on open connections (MaxConns, reported as ErrTooManyConns) and reports of failed accepts (EMFILE, ...).
// Several loops serve one port with Options.ReusePort (one Listen, or one Serve per scheduler; the kernel
// spreads the connections).
//
// Listen is the way to start a server: it runs it on an event loop of its own (freed with the server), the
// fastest setup for Go callbacks. Serve runs a server on a coro.IOScheduler the caller made and may share.
//
// # TLS
//
// With Options.TLS a Callbacks (or Func) server terminates TLS inside its C++ loop: OpenSSL runs non-blocking on
// the loop's thread, the handshake first (bounded by TLSConfig.HandshakeTimeout), then the record layer. For the
// callbacks nothing changes: OnOpen runs once the handshake has finished, OnData receives decrypted bytes, Write,
// Writev and AsyncWrite take plaintext (encrypted when sent), and back-pressure (HighWater counts plaintext),
// timeouts, MaxConns (handshaking connections count), Wake and Close work as without TLS; a connection's end sends
// close_notify when the session is sound. A client whose handshake fails (garbage, a stall, a reset, no common
// version) is closed without any callback and reported to Options.OnError (Op "handshake", ErrTLSHandshake or
// ErrHandshakeTimeout); other connections are unaffected. Server.ReloadCertificate swaps the certificate for new
// handshakes without a restart. Connections made with Server.Dial stay plain TCP. TLS needs OpenSSL linked in:
// import package net/server/servertls for its effect (a program without it does not link libssl).
//
// # Threads
//
// The accept loop and every connection coroutine run on the scheduler: with Listen, on the thread of a goroutine
// the server starts (locked to it, calling ProcessEvents on a ManualThread, TasksInline scheduler); with Serve, on
// the scheduler's own event-loop thread with TasksInline, on its pool threads with TasksOnThreadPool, or on
// whatever goroutine calls ProcessEvents with ManualThread. Callbacks cost least when that thread is a
// goroutine's (Listen, ManualThread): the call into Go is then a cgo callback inside a cgo call, while a C++
// thread's entry into Go costs the runtime more work per call. Every callback of Events except OnBoot and OnShutdown (and
// Options.OnError) runs on that same (C++) thread, inside the loop: while it runs, no other connection of that
// thread is served, so it must not block; calls for one connection never overlap. OnBoot runs on the goroutine
// calling Serve, OnShutdown on the one that stopped the server. Serve, Addr, Stats, Conns, Shutdown, Close and
// Conn's AsyncWrite, AsyncWritev, Wake, Close, OutboundBuffered and addresses may be called from any goroutine.
// Close and Shutdown wait for every connection to end, except from inside one of the server's own callbacks:
// there they start the stop and return at once (Done reports its end), as the connection whose callback is running
// cannot end before the callback returns.
//
// A panic in a callback is recovered (see Events). runtime.Goexit (what t.FailNow, t.SkipNow and testify's require
// call) in a callback run on the loop, Options.OnError included, is a fatal error in every mode: the process exits
// at once (status 2) with a message naming the callback, the server's address and the connection. A Goexit cannot
// be recovered, nor can it unwind the loop's C++ frames below the callback (Go would abort the process on a C++
// thread, and a loop driven from a goroutine would hang for good); surviving it would take a goroutine hand-off per
// callback, which this server is built to avoid. In tests, report failures from callbacks with t.Error (or assert,
// not require) and stop the test from its own goroutine.
//
// # Lifetime
//
// Serve binds, listens and starts accepting before it returns (with TLS, after the certificate was loaded). The server runs until Close, Shutdown, the
// cancellation of Serve's ctx, or the Close of its IOScheduler (which first stops the server, so the scheduler's
// Close never hangs on it), whichever comes first. Stopping shuts down every open connection (shutdown(2): the
// handlers' polls report closed, reads return 0) and waits until every handler has returned; then the listening
// and connection descriptors are closed and every handle is released (coro.LiveHandles counts them).
//
// A Conn is valid from its OnOpen until its OnClose returns; afterwards its methods report ErrClosed (Value and the
// in slice of OnData must not be kept beyond a callback's return: the slice is the loop's memory). Callbacks may
// call Close or Shutdown (they then return at once) but should not block waiting for the server's end.
package server

/*
#include <errno.h>
#include <stdlib.h>
#include "cshim/net/server.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/handle"
	"github.com/gocoro/gocoro/internal/iolink"
	"github.com/gocoro/gocoro/internal/lifetime"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/internal/netaddr"
)

// Handler says how connections are served. Make one with Echo, HTTP200, Native or Func.
type Handler struct {
	table unsafe.Pointer // *C.gocoro_server_handler
	arg   unsafe.Pointer
	data  []byte
	ev    *Events // Callbacks only
}

// Echo writes every byte it receives back (native).
func Echo() Handler { return Handler{table: unsafe.Pointer(C.gocoro_server_echo_handler())} }

// HTTP200 answers every HTTP/1.x request with "200 OK", Content-Type text/plain and body (native). Connections
// are kept alive; requests may arrive split across reads or pipelined (answered in order, with one write per
// read); a request's Content-Length body is skipped. Requests count in Stats.Requests.
func HTTP200(body string) Handler {
	resp := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Connection: keep-alive\r\n" +
		"\r\n" + body
	return Handler{table: unsafe.Pointer(C.gocoro_server_http200_handler()), data: []byte(resp)}
}

// Native serves connections with a user's C++ handler: table is the *gocoro_server_handler its cgo package
// returns (made with gocoro::server::make_handler, see cshim/net/server_handler.hpp), arg a C pointer (never a Go
// pointer) handed to the handler as user_arg, or nil. Both must stay valid until the server has stopped. Options.Data
// is readable by the handler (connection::data()).
func Native(table unsafe.Pointer, arg unsafe.Pointer) Handler {
	return Handler{table: table, arg: arg}
}

// Options configures Serve. The zero value is ready to use.
type Options struct {
	// Backlog is the listen(2) backlog; 0 means 1024.
	Backlog int
	// ReusePort sets SO_REUSEPORT, so that several servers (one per scheduler, say) can listen on one port and
	// the kernel spreads connections over them.
	ReusePort bool
	// MaxInput bounds the unconsumed input one connection may buffer (HTTP200 and Func); beyond it the
	// connection is closed. 0 means 1 MiB.
	MaxInput int
	// Data is copied into the server and readable by Native handlers.
	Data []byte
	// OnError receives what goes wrong inside callbacks (a recovered panic as a *coro.PanicError, an error the
	// callback returned), wrapped in a *net.OpError naming the connection's addresses, failed TLS handshakes (Op
	// "handshake": ErrTLSHandshake, ErrHandshakeTimeout), and, for every handler, failed accepts (Op "accept": a *os.SyscallError, e.g. EMFILE when descriptors run out; the server keeps
	// accepting once they free up) and connections refused for MaxConns (ErrTooManyConns). It runs on the
	// scheduler thread and must not block. nil logs through the log package; so is a panic of OnError itself (with
	// the error it was given), which is recovered.
	OnError func(error)
	// MaxConns bounds the open connections: one more is accepted and closed at once (the client sees EOF),
	// counted in Stats.Refused and reported to OnError as ErrTooManyConns. 0: no limit.
	MaxConns int

	// The rest applies to Callbacks (Go) handlers only.

	// IdleTimeout closes a connection that received nothing for that long (OnClose: ErrIdleTimeout). 0: never.
	IdleTimeout time.Duration
	// ReadTimeout closes a connection whose unconsumed input (an incomplete message: a slow or stuck client)
	// is older than that (ErrReadTimeout). 0: never.
	ReadTimeout time.Duration
	// WriteTimeout closes a connection whose queued output made no progress for that long (ErrWriteTimeout).
	// 0: never.
	WriteTimeout time.Duration
	// HighWater is the back-pressure mark: while more output than this is queued (the peer reads slower than
	// the handler writes), the connection is not read from, so OnData is not called and memory stays bounded;
	// once it has all been sent, OnDrained runs and reading resumes. 0 means 1 MiB.
	HighWater int
	// MaxOutput bounds what AsyncWrite may queue (ErrOutputFull beyond). 0 means 4 * HighWater.
	MaxOutput int
	// TLS, if not nil, terminates TLS on every accepted connection in the C++ loop (connections from
	// Server.Dial stay plain TCP). Needs package net/server/servertls linked in (else ErrTLSNotLinked). See the
	// package doc, "TLS".
	TLS *TLSConfig
}

// Stats are a server's counters. Bytes and requests are counted by the handler (all built-in handlers and Func
// count them; a Native handler counts what it reads and writes through gocoro::server::connection); with TLS the
// bytes are plaintext.
type Stats struct {
	Accepted     uint64 // connections accepted
	Active       uint64 // connections open now
	BytesRead    uint64
	BytesWritten uint64
	Requests     uint64 // HTTP requests answered (HTTP200), requests reported by Func callbacks or native handlers
	Errors       uint64 // failed accepts and TLS handshakes, refused connections, native handler exceptions, Func failures
	Refused      uint64 // connections closed at once because MaxConns were open
}

// Server is a running server. Safe for concurrent use.
type Server struct {
	// A reference around every C call on s (Close's own stop aside: only Close frees s); after Close the last
	// one out frees the C++ server, taking the final counters first.
	life    lifetime.Lifetime
	s       *C.gocoro_server
	addr    *net.TCPAddr
	final   Stats
	host    handle.Handle // handle of gs (callbacks and reports)
	gs      *goServer
	ev      *Events
	release func() // the scheduler acquisition
	unhook  func() // scheduler-close hook
	stopCtx func() bool
	once    sync.Once
	done    chan struct{}
	// idle is closed once no connection is open after Shutdown stopped accepting (made by the first Shutdown).
	idleOnce sync.Once
	idle     chan struct{}
	sched    *coro.IOScheduler
	onError  func(error)
	tls      *TLSConfig // a copy of Options.TLS, nil without TLS
	loop     *ownedLoop // Listen's own event loop, nil for Serve
}

// Serve starts a server on sched (which the caller keeps and closes; see Listen for a server with its own loop)
// listening on address ("host:port": host an IPv4/IPv6 literal, "localhost" or
// empty for all interfaces; port 0 picks a free port, see Addr). It returns once the socket is listening; errors
// are *net.OpError values naming the operation and address (errors.Is(err, unix.EADDRINUSE) for a port in
// use). Cancelling ctx stops the server, as Close does. opts may be nil.
func Serve(ctx context.Context, sched *coro.IOScheduler, address string, h Handler, opts *Options) (*Server, error) {
	return serve(ctx, sched, address, h, opts, nil)
}

// serve is Serve; loop, if not nil, is sched's owner (Listen), closed once the server has stopped.
func serve(ctx context.Context, sched *coro.IOScheduler, address string, h Handler, opts *Options, loop *ownedLoop) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := ctx.Err(); err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	if bad := badArgument(sched, h, opts); bad != "" {
		return nil, newOpError("listen", nil, nil, argerr.New(bad))
	}
	host, port, _, err := netaddr.Split(address, false)
	if err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	laddr := &net.TCPAddr{IP: net.ParseIP(host), Port: int(port)}
	ptr, release, err := iolink.Acquire(sched)
	if err != nil {
		return nil, newOpError("listen", nil, laddr, err)
	}
	srv := &Server{release: release, done: make(chan struct{}), onError: opts.OnError, ev: h.ev, loop: loop, sched: sched}
	data := h.data
	if data == nil {
		data = opts.Data
	}
	copts := C.gocoro_server_options{
		port:       C.uint16_t(port),
		backlog:    C.int32_t(opts.Backlog),
		max_input:  C.size_t(opts.MaxInput),
		reuse_port: 0,
		max_conns:  C.uint64_t(opts.MaxConns),

		idle_timeout_ms:  C.int64_t(ceilMillis(opts.IdleTimeout)),
		read_timeout_ms:  C.int64_t(ceilMillis(opts.ReadTimeout)),
		write_timeout_ms: C.int64_t(ceilMillis(opts.WriteTimeout)),
		high_water:       C.size_t(opts.HighWater),
		max_output:       C.size_t(opts.MaxOutput),
	}
	if h.ev != nil && h.ev.OnTick != nil {
		copts.tick = 1
	}
	if h.ev != nil && h.ev.OnOpen == nil && h.ev.OnClose == nil {
		copts.lazy_open = 1 // no hook at accept or close: make the Conn at the first input
	}
	if opts.ReusePort {
		copts.reuse_port = 1
	}
	var tlsText *C.char
	if opts.TLS != nil {
		cfg := *opts.TLS
		srv.tls = &cfg
		o, free := cTLSOptions(&cfg.Certificate, cfg.MinVersion)
		defer free()
		copts.tls = o
		copts.handshake_timeout_ms = C.int64_t(ceilMillis(cfg.HandshakeTimeout))
		tlsText = (*C.char)(C.calloc(1, tlsErrorCap))
		defer C.free(unsafe.Pointer(tlsText))
		copts.tls_error, copts.tls_error_cap = tlsText, tlsErrorCap
	}
	gs := &goServer{ev: h.ev, srv: srv}
	srv.gs = gs
	srv.host = handle.New(gs)
	copts.host_handle = C.uintptr_t(srv.host)
	copts.host = C.CString(host)
	defer C.free(unsafe.Pointer(copts.host))
	if len(data) > 0 {
		copts.data = C.CBytes(data)
		copts.data_len = C.size_t(len(data))
		defer C.free(copts.data)
	}
	var cerr C.int
	var cop *C.char
	srv.s = C.gocoro_server_start((*C.gocoro_io_scheduler)(ptr), &copts, (*C.gocoro_server_handler)(h.table), h.arg, &cerr, &cop)
	if srv.s == nil {
		srv.freeHandles()
		var e error = os.NewSyscallError(C.GoString(cop), unix.Errno(-cerr))
		switch {
		case cerr == -C.EINVAL && C.GoString(cop) == "start":
			e = errors.New("invalid handler table (nil, or built for another GOCORO_SERVER_HANDLER_ABI)")
		case C.GoString(cop) == "tls":
			e = tlsStartError(cerr, C.GoString(tlsText))
		}
		return nil, newOpError("listen", nil, laddr, e)
	}
	srv.life.Init(srv.destroy)
	srv.addr = &net.TCPAddr{IP: laddr.IP, Port: int(C.gocoro_server_port(srv.s))}
	gs.addr.Store(srv.addr)
	unhook, err := iolink.OnClose(sched, func() { srv.Close() })
	if err != nil { // the scheduler is closing
		srv.Close()
		return nil, newOpError("listen", nil, laddr, err)
	}
	srv.unhook = unhook
	srv.stopCtx = context.AfterFunc(ctx, func() { srv.Close() })
	if h.ev != nil && h.ev.OnBoot != nil {
		h.ev.OnBoot(srv)
	}
	return srv, nil
}

// ceilMillis rounds d up to whole milliseconds (the loop's resolution), so that a tiny timeout is not "none".
func ceilMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// errNotServing is what the methods of a zero Server (not made by Serve) report.
var errNotServing = fmt.Errorf("server: not made by Serve: %w", coro.ErrInvalid)

// closedChan is what Done returns for a zero Server, which never runs.
var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Addr is the address the server listens on (with the actual port); nil for a zero Server.
func (s *Server) Addr() net.Addr {
	if s.addr == nil {
		return nil
	}
	return s.addr
}

// Done is closed once the server has stopped (Close, Shutdown, ctx, or the scheduler's Close).
func (s *Server) Done() <-chan struct{} {
	if s.done == nil {
		return closedChan
	}
	return s.done
}

// Conns is the number of open connections (Stats().Active).
func (s *Server) Conns() int { return int(s.Stats().Active) }

// Stats returns the current counters (the final ones once stopped).
func (s *Server) Stats() Stats {
	if !s.life.Enter() {
		s.life.Wait() // closed (or a zero Server): final is set once the C++ server has been freed
		return s.final
	}
	defer s.life.Exit()
	return s.stats()
}

func (s *Server) stats() Stats {
	var st C.gocoro_server_stats
	C.gocoro_server_stats_get(s.s, &st)
	return Stats{
		Accepted:     uint64(st.accepted),
		Active:       uint64(st.active),
		BytesRead:    uint64(st.bytes_read),
		BytesWritten: uint64(st.bytes_written),
		Requests:     uint64(st.requests),
		Errors:       uint64(st.errors),
		Refused:      uint64(st.refused),
	}
}

// Close stops accepting, shuts every open connection down, waits for every handler to return and frees the
// server. Later calls wait for the first one and return nil. From inside one of the server's Func callbacks it only
// starts all that and returns nil at once.
func (s *Server) Close() error {
	if s.done == nil {
		return errNotServing
	}
	if s.inCallback() {
		// Waiting here would wait for this very callback: stop in the background instead (Done reports the end).
		go s.Close()
		return nil
	}
	s.once.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		C.gocoro_server_stop(s.s)
		s.life.Close()
		s.life.Wait() // destroy has run: no C call on s is in flight or can start
		s.freeHandles()
		if s.loop != nil {
			s.loop.close()
		}
		if s.ev != nil && s.ev.OnShutdown != nil {
			s.ev.OnShutdown(s)
		}
		close(s.done)
	})
	<-s.done
	return nil
}

// inCallback reports whether the caller runs inside one of s's Func callbacks (the C++ side marks the thread; a
// callback's goroutine stays on that thread until it returns).
func (s *Server) inCallback() bool {
	if !s.life.Enter() {
		return false
	}
	defer s.life.Exit()
	return C.gocoro_server_in_callback(s.s) != 0
}

// destroy frees the C++ server (life's free function: Close has stopped it and no reference is left).
func (s *Server) destroy() {
	s.final = s.stats()
	C.gocoro_server_destroy(s.s)
	s.s = nil
}

func (s *Server) freeHandles() {
	if s.host != 0 {
		handle.Release(s.host)
		s.host = 0
	}
	if s.unhook != nil {
		s.unhook()
	}
	s.release()
}

// Shutdown stops accepting and waits for the open connections to end on their own (clients closing), then
// frees the server like Close. If ctx ends first, the remaining connections are shut down (Close) and ctx's
// error is returned. From inside one of the server's Func callbacks it does the same in the background and returns
// nil at once.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.done == nil {
		return errNotServing
	}
	if s.life.Enter() {
		C.gocoro_server_stop_accepting(s.s)
		s.life.Exit()
	}
	if s.inCallback() {
		// As in Close: the connections cannot end while this callback waits for them.
		go s.Shutdown(ctx)
		return nil
	}
	select {
	case <-s.idleChan():
		return s.Close()
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	case <-s.done:
		return nil
	}
}

// idleChan returns a channel closed once no connection is open; accepting must have stopped. The C++ server posts
// the completion when its count of open connections reaches 0, so Shutdown returns as the last client leaves
// instead of polling the count (it does so at the latest when Close ends every connection).
func (s *Server) idleChan() <-chan struct{} {
	s.idleOnce.Do(func() {
		s.idle = make(chan struct{})
		h := iolink.NewCompletion(s.sched, func(int64) { close(s.idle) })
		if !s.life.Enter() {
			iolink.DiscardCompletion(h)
			close(s.idle) // closed already: no connection is left
			return
		}
		C.gocoro_server_notify_idle(s.s, C.uintptr_t(h))
		s.life.Exit()
	})
	return s.idle
}

// badArgument names what is wrong with Serve's arguments, "" if nothing.
func badArgument(sched *coro.IOScheduler, h Handler, opts *Options) string {
	switch {
	case sched == nil:
		return "nil *coro.IOScheduler"
	case h.table == nil:
		return "zero Handler (use Echo, HTTP200, Func or Native)"
	case h.table == unsafe.Pointer(C.gocoro_server_go_handler()) && (h.ev == nil || h.ev.OnData == nil):
		// The C++ loop would call a function that is not there at the first connection.
		return "Func with a nil MessageFunc (or Callbacks without OnData)"
	case opts.Backlog < 0:
		return "Options.Backlog " + strconv.Itoa(int(opts.Backlog)) + " < 0"
	case opts.MaxInput < 0:
		return "Options.MaxInput " + strconv.Itoa(int(opts.MaxInput)) + " < 0"
	case opts.MaxConns < 0 || opts.HighWater < 0 || opts.MaxOutput < 0:
		return "negative Options.MaxConns, HighWater or MaxOutput"
	case opts.IdleTimeout < 0 || opts.ReadTimeout < 0 || opts.WriteTimeout < 0:
		return "negative Options timeout"
	case opts.TLS != nil && h.ev == nil:
		return "Options.TLS needs a Callbacks or Func handler (the native handlers speak plain TCP)"
	case opts.TLS != nil:
		return opts.TLS.check()
	}
	return ""
}
