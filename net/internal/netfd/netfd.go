// Package netfd is the part every socket type of gocoro's net packages shares: a non-blocking descriptor with
// per-direction locks, deadlines, context cancellation and a Close that is safe against concurrent use.
//
// Readiness: the sockets are created by the gocoro layer (cshim/net), but a Go goroutine waits for them through
// Go's own runtime poller (the descriptor is wrapped in an *os.File: streams are read and written through it, the
// other calls driven through its syscall.RawConn), not
// through the IOScheduler's epoll loop. Measured (issue 12): a wait that goes C++ event thread -> completion
// queue -> completion goroutine -> waiter costs two OS-level wake-ups and an epoll_ctl per wait, which made net/tcp
// echo about 3x slower than Go's net; Go's poller keeps one edge-triggered registration per socket and wakes the
// goroutine from the scheduler's own netpoll, so a Go caller pays what Go's net pays. The IOScheduler still owns
// the socket's lifetime: closing it closes every FD made on it. Native code (C++ tasks, net/server) keeps using
// the IOScheduler's loop.
//
// The packages (net/tcp, net/udp, net/tls) do their system calls inside Retry (or use Read/Write), which waits for
// readiness only when the call reports EAGAIN.
package netfd

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/iolink"
	"github.com/gocoro/gocoro/internal/lifetime"
)

// Dir names one side of a socket: reads (and accepts) or writes. Each side is serialised.
type Dir int

const (
	Read Dir = iota
	Write
)

// FD is a non-blocking socket tied to an IOScheduler's lifetime.
//
// Lifetime: every operation holds a reference (Lock/Unlock) while it uses the descriptor. Close marks the socket
// closed (new operations fail with net.ErrClosed), shuts it down if in use and expires its poller deadlines —
// which wakes every pending wait — and the last reference out closes the descriptor. A descriptor is therefore
// never closed while a system call may still use it. Closing the IOScheduler closes its sockets first.
type FD struct {
	Sched *coro.IOScheduler
	Sysfd int
	// Laddr and Raddr are the socket's addresses, set by the owner before the FD is shared.
	Laddr, Raddr net.Addr

	file *os.File // owns Sysfd; registered with Go's runtime poller
	rc   rawConn  // file.SyscallConn()

	life       lifetime.Lifetime // frees the descriptor (finalize) after Close, once no reference is left
	unregister func()
	dirs       [2]direction
}

// rawConn is the part of syscall.RawConn used here (named without importing the frozen syscall package).
type rawConn interface {
	Read(f func(fd uintptr) (done bool)) error
	Write(f func(fd uintptr) (done bool)) error
}

type direction struct {
	lock opLock // held by the goroutine currently using this side
	// The current call of Retry (guarded by lock): kept here so that the poller callback (call) is allocated once
	// per FD, not per operation.
	op   func(fd int) int64
	n    int64
	call func(uintptr) bool

	dmu         sync.Mutex // guards deadline and interrupted, and orders their application to file
	deadline    time.Time  // the user's deadline (zero: none)
	interrupted bool       // a context's end has expired the poller deadline; deadline is applied afterwards
}

// New wraps fd (non-blocking, close-on-exec) for use with s. It takes ownership of fd: on error fd is closed.
func New(s *coro.IOScheduler, fd int) (*FD, error) {
	f := &FD{Sched: s, Sysfd: fd}
	f.life.Init(f.finalize)
	f.file = os.NewFile(uintptr(fd), "socket")
	rc, err := f.file.SyscallConn()
	if err != nil {
		f.file.Close()
		return nil, err
	}
	f.rc = rc
	for i := range f.dirs {
		d := &f.dirs[i]
		d.call = d.run
	}
	unregister, err := iolink.OnClose(s, func() { f.Close() })
	if err != nil {
		f.file.Close()
		return nil, err
	}
	f.unregister = unregister
	return f, nil
}

// run is the poller callback: the pending system call on fd, repeated on EINTR; false (wait and call again) on
// EAGAIN.
func (d *direction) run(fd uintptr) bool {
	for {
		switch d.n = d.op(int(fd)); d.n {
		case -int64(unix.EINTR):
			continue
		case -int64(unix.EAGAIN):
			return false
		}
		return true
	}
}

// zero stands in for the FD of a zero Conn, Listener or Peer (made without Dial, Listen or Accept): closed for
// good and without descriptors, so every operation on it fails with net.ErrClosed.
var zero = func() *FD {
	f := &FD{Sysfd: -1}
	f.life.InitClosed()
	return f
}()

// Or returns f, or for nil (the FD field of a zero value) a closed FD.
func Or(f *FD) *FD {
	if f == nil {
		return zero
	}
	return f
}

// ConnFD returns the FD of a connection made by net/tcp (which sets it when initialised) and nil for any other
// net.Conn: net/tls layers a session over a *tcp.Conn through it, without an exported accessor.
var ConnFD = func(net.Conn) *FD { return nil }

func (f *FD) incref() bool { return f.life.Enter() }

func (f *FD) decref() { f.life.Exit() }

// Closed reports whether Close has been called.
func (f *FD) Closed() bool { return f.life.Closed() }

// Closing is closed when Close is called.
func (f *FD) Closing() <-chan struct{} { return f.life.Closing() }

func (f *FD) finalize() {
	if f.unregister != nil {
		f.unregister()
	}
	f.file.Close()
}

// expiredLongAgo is a deadline in the past: setting it wakes every wait of the poller.
var expiredLongAgo = time.Unix(1, 0)

// Close marks the socket closed and shuts it down; false if it already was closed.
func (f *FD) Close() bool {
	if !f.incref() {
		return false
	}
	if !f.life.Close() {
		f.decref()
		return false
	}
	// While an operation still holds the descriptor open, the shutdown lets the peer see the end at once (when
	// nothing does, the descriptor closes right below: Go's net makes no shutdown either); the expired deadline
	// wakes pending waits whatever the socket's state (listening, unconnected UDP).
	if f.life.Shared() {
		unix.Shutdown(f.Sysfd, unix.SHUT_RDWR)
	}
	f.file.SetDeadline(expiredLongAgo)
	f.decref()
	return true
}

// Shutdown shuts down one or both directions (unix.SHUT_RD/SHUT_WR/SHUT_RDWR) without closing.
func (f *FD) Shutdown(how int) error {
	if !f.incref() {
		return net.ErrClosed
	}
	defer f.decref()
	if err := unix.Shutdown(f.Sysfd, how); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return nil
}

// Control runs fn on the descriptor (a socket option, say) while holding a reference; net.ErrClosed once closed.
func (f *FD) Control(fn func(fd int) error) error {
	if !f.incref() {
		return net.ErrClosed
	}
	defer f.decref()
	return fn(f.Sysfd)
}

// Raw runs fn as syscall.RawConn's Read or Write does — again after each readiness for dir while it returns false
// — holding dir's lock; deadlines apply. Errors as Retry's.
func (f *FD) Raw(dir Dir, fn func(fd uintptr) (done bool)) error {
	if err := f.Lock(context.Background(), dir); err != nil {
		return err
	}
	defer f.Unlock(dir)
	_, err := f.Retry(context.Background(), dir, func(fd int) int64 {
		if fn(uintptr(fd)) {
			return 0
		}
		return -int64(unix.EAGAIN)
	})
	return err
}

// Lock takes a reference and dir's lock, giving up when ctx ends or the socket is closed. Pair with Unlock.
func (f *FD) Lock(ctx context.Context, dir Dir) error {
	if !f.incref() {
		return net.ErrClosed
	}
	if err := f.dirs[dir].lock.lock(ctx, f.life.Closing()); err != nil {
		f.decref()
		return err
	}
	return nil
}

// Unlock releases what Lock took.
func (f *FD) Unlock(dir Dir) {
	f.dirs[dir].lock.unlock()
	f.decref()
}

// SetDeadline sets dir's deadline (the zero time: none). Pending waits see the change at once.
//
// It takes no reference (net/http sets deadlines on every request, while a background Read holds one): the
// *os.File stays valid after Close (its methods then fail harmlessly), and applyDeadline skips a closed socket.
func (f *FD) SetDeadline(dir Dir, t time.Time) error {
	if f.Closed() {
		return net.ErrClosed
	}
	d := &f.dirs[dir]
	d.dmu.Lock()
	d.deadline = t
	if !d.interrupted {
		f.applyDeadline(dir, t)
	}
	d.dmu.Unlock()
	return nil
}

func (f *FD) applyDeadline(dir Dir, t time.Time) {
	if f.Closed() {
		return // Close expired the poller deadlines for good
	}
	if dir == Read {
		f.file.SetReadDeadline(t)
	} else {
		f.file.SetWriteDeadline(t)
	}
}

// watch makes ctx's end interrupt dir's waits (by expiring the poller deadline) until the returned function is
// called; that function restores the user's deadline and reports whether ctx interrupted. nil when ctx cannot end.
func (f *FD) watch(ctx context.Context, dir Dir) func() bool {
	if ctx.Done() == nil {
		return nil
	}
	d := &f.dirs[dir]
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		d.dmu.Lock()
		d.interrupted = true
		f.applyDeadline(dir, expiredLongAgo)
		d.dmu.Unlock()
		close(fired)
	})
	return func() bool {
		if stop() {
			return false
		}
		<-fired
		d.dmu.Lock()
		d.interrupted = false
		f.applyDeadline(dir, d.deadline)
		d.dmu.Unlock()
		return true
	}
}

// Retry runs op (a non-blocking system call on Sysfd returning a count or a negated errno) until it succeeds or
// fails with something other than EINTR/EAGAIN, waiting for dir's readiness after each EAGAIN. dir's lock must be
// held. Errors: net.ErrClosed, os.ErrDeadlineExceeded, ctx.Err(), or a syscall.Errno from op (unwrapped: the
// caller names the system call).
func (f *FD) Retry(ctx context.Context, dir Dir, op func(fd int) int64) (int64, error) {
	d := &f.dirs[dir]
	d.op = op
	n, err := f.do(ctx, dir)
	d.op = nil
	return n, err
}

// do runs d.call through the poller (see Retry).
func (f *FD) do(ctx context.Context, dir Dir) (int64, error) {
	if f.Closed() {
		return 0, net.ErrClosed
	}
	d := &f.dirs[dir]
	stop := f.watch(ctx, dir)
	var err error
	if dir == Read {
		err = f.rc.Read(d.call)
	} else {
		err = f.rc.Write(d.call)
	}
	if err == nil && d.n < 0 {
		err = unix.Errno(-d.n)
	}
	if _, err = f.outcome(ctx, stop, int(d.n), err); err != nil {
		return 0, err
	}
	return d.n, nil
}

// outcome is the result of a call that may have waited in the poller: n and err as the call returned them (err
// unwrapped to a unix.Errno where it is one), unless Close or ctx's end (stop, from watch) interrupted it.
func (f *FD) outcome(ctx context.Context, stop func() bool, n int, err error) (int, error) {
	if stop != nil && stop() && err != nil {
		err = ctx.Err()
	}
	if f.Closed() && (err != nil || n <= 0) {
		// Close interrupted the wait, or its shutdown ended the call. A call that completed before Close (data
		// sent or received) is reported as it completed, as Go's net does.
		return 0, net.ErrClosed
	}
	return n, err
}

// Read reads into b (len(b) > 0; n == 0 with a nil error is the end of the stream), waiting for data as Retry
// does; dir's lock must be held. It is *os.File's Read, which is internal/poll's read-then-wait loop that Go's net
// uses: the stream sockets' hot path, one call deep and without allocation.
func (f *FD) Read(ctx context.Context, b []byte) (int, error) {
	stop := f.watch(ctx, Read)
	n, err := f.file.Read(b)
	if err == io.EOF {
		err = nil
	}
	return f.outcome(ctx, stop, n, unwrapPathError(err))
}

// Write writes all of b, waiting for room as Retry does, and reports how much went out; dir's lock must be held.
// It is *os.File's Write (write(2), as Go's net: the runtime ignores the SIGPIPE of a socket, and the call fails
// with EPIPE).
func (f *FD) Write(ctx context.Context, b []byte) (int, error) {
	stop := f.watch(ctx, Write)
	n, err := f.file.Write(b)
	return f.outcome(ctx, stop, n, unwrapPathError(err))
}

// unwrapPathError turns *os.File's errors into Retry's: the errno, os.ErrDeadlineExceeded or net.ErrClosed.
func unwrapPathError(err error) error {
	if e, ok := err.(*os.PathError); ok {
		err = e.Err
	}
	if err == os.ErrClosed {
		err = net.ErrClosed
	}
	return err
}

// Accept takes one connection from a listening socket: accept is the non-blocking accept call (a descriptor or a
// negated errno). Connections aborted before they were taken are skipped. Errors as Retry's, with a raw errno
// wrapped in an *os.SyscallError naming "accept".
func (f *FD) Accept(ctx context.Context, accept func(fd int) int64) (int, error) {
	if err := f.Lock(ctx, Read); err != nil {
		return -1, err
	}
	defer f.Unlock(Read)
	for {
		cfd, err := f.Retry(ctx, Read, accept)
		if err == unix.ECONNABORTED {
			continue
		}
		if e, ok := err.(unix.Errno); ok {
			return -1, os.NewSyscallError("accept", e)
		}
		if err != nil {
			return -1, err
		}
		return int(cfd), nil
	}
}

// Wait blocks (dir's lock held) until the socket is ready for dir, ctx ends, the deadline passes or the socket is
// closed. A nil error means "try the operation again"; the status tells a hang-up (PollClosed) or a socket error
// (PollError) from plain readiness (PollEvent). Readiness is sampled with poll(2) before the goroutine parks, so
// an event that arrived before the call is never missed.
func (f *FD) Wait(ctx context.Context, dir Dir) (coro.PollStatus, error) {
	d := &f.dirs[dir]
	var status coro.PollStatus
	d.op = func(fd int) int64 {
		events := int16(unix.POLLIN)
		if dir == Write {
			events = unix.POLLOUT
		}
		p := []unix.PollFd{{Fd: int32(fd), Events: events}}
		if n, err := unix.Poll(p, 0); err != nil {
			return -int64(err.(unix.Errno))
		} else if n == 0 {
			return -int64(unix.EAGAIN)
		}
		switch r := p[0].Revents; {
		case r&unix.POLLERR != 0:
			status = coro.PollError
		case r&events != 0:
			status = coro.PollEvent
		default:
			status = coro.PollClosed
		}
		return 0
	}
	_, err := f.do(ctx, dir)
	d.op = nil
	if err != nil {
		if e, ok := err.(unix.Errno); ok {
			return coro.PollError, os.NewSyscallError("poll", e)
		}
		return coro.PollError, err
	}
	return status, nil
}

// DialDeadline is what a dialer's Timeout and Deadline (as net.Dialer's) allow a dial: the earlier of timeout from
// now and deadline (the zero time: neither is set).
func DialDeadline(timeout time.Duration, deadline time.Time) time.Time {
	if timeout > 0 {
		if t := time.Now().Add(timeout); deadline.IsZero() || t.Before(deadline) {
			return t
		}
	}
	return deadline
}
